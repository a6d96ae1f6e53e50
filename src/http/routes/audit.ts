import type { FastifyInstance } from 'fastify';
import { queryAudit } from '../../audit/audit-log.ts';
import { requirePermission } from '../../auth/permissions.ts';
import type { Sql } from '../../db/sql.ts';
import { AppError } from '../../domain/errors.ts';
import type { AuditLogWriter } from '../types.ts';
import { toAuditEvent } from '../../audit/audit-event-fhir.ts';
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

export function auditRoute(app: FastifyInstance, sql: Sql, audit: AuditLogWriter, fhir: { odsCode: string; baseUrl: () => string }, cursors: CursorCodec): void {
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
      const q = request.query as { document?: string; patient?: string; actor?: string; action?: string; outcome?: string; from?: string; to?: string; limit: number; cursor?: string; _format?: string };
      const p = request.ctx.principal;
      try {
        if (!p) throw new AppError('unauthenticated');
        requirePermission(p, 'audit:read');
      } catch (e) {
        await audit(request.ctx, { action: 'audit.read', outcome: 'denied', errorCode: (e as AppError).code, documentId: q.document, patient: q.patient });
        throw e;
      }
      let beforeId: string | undefined;
      try {
        beforeId = q.cursor ? cursors.decodeAudit(q.cursor) : undefined;
      } catch (e) {
        await audit(request.ctx, { action: 'audit.read', outcome: 'failed', errorCode: (e as AppError).code, documentId: q.document, patient: q.patient });
        throw e;
      }
      const rows = await queryAudit(sql, { ...q, beforeId, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      await audit(request.ctx, { action: 'audit.read', outcome: 'success', documentId: q.document, patient: q.patient, detail: { count: page.length } });
      const last = page.at(-1);
      const nextCursor = rows.length > q.limit && last ? cursors.encodeAudit(last.id) : null;
      if (q._format === 'fhir') {
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
