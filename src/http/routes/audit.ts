import type { FastifyInstance } from 'fastify';
import type { AuditSearch, AuditService } from '../../audit/audit-service.ts';
import { toAuditEvent } from '../../fhir/audit-event.ts';
import { errorResponses } from '../schemas.ts';

export function auditRoute(app: FastifyInstance, audits: AuditService, fhir: { odsCode: string; baseUrl: () => string }): void {
  app.get('/v1/audit', {
    schema: {
      tags: ['audit'],
      summary: 'The audit trail, newest first (auditor, admin)',
      querystring: {
        type: 'object',
        properties: {
          document: { type: 'string', format: 'uuid' },
          patient: { type: 'string', pattern: '^[0-9]{10}$' },
          actor: { type: 'string', maxLength: 200 },
          action: { type: 'string', maxLength: 64 },
          outcome: { type: 'string', enum: ['success', 'denied', 'failed'] },
          breakGlass: { type: 'boolean', description: 'true: only reads made by break-glass (the reason is in detail.breakGlass)' },
          from: { type: 'string', format: 'date-time' },
          to: { type: 'string', format: 'date-time' },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          cursor: { type: 'string', pattern: '^[0-9]{1,19}$' },
          _format: { type: 'string', enum: ['json', 'fhir'], description: 'fhir: a Bundle of IHE BALP AuditEvent resources' },
        },
        additionalProperties: false,
      },
      response: { ...errorResponses },
    },
    handler: async (request, reply) => {
      const { _format, ...q } = request.query as AuditSearch & { _format?: string };
      const { items: page, nextCursor } = await audits.search(request.ctx, q);
      if (_format === 'fhir') {
        const base = fhir.baseUrl();
        const next = new URL(`${base}${request.url}`);
        if (nextCursor) next.searchParams.set('cursor', nextCursor);
        return reply.type('application/fhir+json; charset=utf-8').send({
          resourceType: 'Bundle',
          type: 'searchset',
          link: [{ relation: 'self', url: `${base}${request.url}` }, ...(nextCursor ? [{ relation: 'next', url: next.toString() }] : [])],
          entry: page.map((r) => ({ resource: toAuditEvent(r, { odsCode: fhir.odsCode, baseUrl: base }), search: { mode: 'match' } })),
        });
      }
      return { items: page, nextCursor };
    },
  });
}
