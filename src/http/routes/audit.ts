import type { FastifyInstance } from 'fastify';
import type { AuditSearch, AuditService } from '../../audit/audit-service.ts';
import { toAuditEvent } from '../../fhir/audit-event.ts';
import type { CursorCodec } from '../cursor.ts';
import { errorResponses } from '../schemas.ts';

const nullable = (type: string) => ({ type: [type, 'null'] });
const auditPageSchema = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          at: { type: 'string', format: 'date-time' },
          actor: nullable('string'),
          roles: { type: 'array', items: { type: 'string' } },
          action: { type: 'string' },
          outcome: { type: 'string', enum: ['success', 'denied', 'failed'] },
          documentId: nullable('string'),
          version: nullable('integer'),
          patient: nullable('string'),
          errorCode: nullable('string'),
          detail: { type: ['object', 'null'], additionalProperties: true },
          clientIp: nullable('string'),
          userAgent: nullable('string'),
          requestId: nullable('string'),
        },
      },
    },
    nextCursor: nullable('string'),
  },
} as const;

export function auditRoute(app: FastifyInstance, audits: AuditService, fhir: { odsCode: string; baseUrl: () => string }, cursors: CursorCodec): void {
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
          from: { type: 'string', format: 'date-time' },
          to: { type: 'string', format: 'date-time' },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          cursor: { type: 'string', maxLength: 500, description: 'nextCursor from the previous page (opaque)' },
          _format: { type: 'string', enum: ['json', 'fhir'], description: 'fhir: a Bundle of IHE BALP AuditEvent resources' },
        },
        additionalProperties: false,
      },
      response: {
        200: {
          description: 'A page of audit events (application/json), or a FHIR searchset Bundle of AuditEvent resources (_format=fhir)',
          content: { 'application/json': { schema: auditPageSchema }, 'application/fhir+json': { schema: { type: 'object', additionalProperties: true } } },
        },
        ...errorResponses,
      },
    },
    handler: async (request, reply) => {
      const { _format, cursor, ...q } = request.query as AuditSearch & { _format?: string };
      let beforeId: string | undefined;
      try {
        beforeId = cursor ? cursors.decodeAudit(cursor) : undefined;
      } catch (e) {
        request.reachedHandler = false; // refused before the service: the error handler audits it as a rejected request
        throw e;
      }
      const found = await audits.search(request.ctx, { ...q, cursor: beforeId });
      const page = found.items;
      const nextCursor = found.nextCursor ? cursors.encodeAudit(found.nextCursor) : null;
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
