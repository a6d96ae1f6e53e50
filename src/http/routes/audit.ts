import { Type } from 'typebox';
import type { AuditService } from '../../audit/audit-service.ts';
import { toAuditEvent } from '../../fhir/audit-event.ts';
import { DateTime, Defaulted, Nullable, StringEnum } from '../../schema/typebox.ts';
import type { CursorCodec } from '../cursor.ts';
import { errorResponses, page } from '../schemas.ts';
import type { App } from '../types.ts';
import { searchsetAnswer } from './fhir/fhir-answers.ts';

const outcome = StringEnum(['success', 'denied', 'failed']);
const nullableString = Nullable(Type.String());
const auditEvent = Type.Object({
  id: Type.String(),
  at: DateTime(),
  actor: nullableString,
  roles: Type.Array(Type.String()),
  action: Type.String(),
  outcome,
  documentId: nullableString,
  version: Nullable(Type.Integer()),
  patient: nullableString,
  errorCode: nullableString,
  detail: Nullable(Type.Object({}, { additionalProperties: true })),
  clientIp: nullableString,
  userAgent: nullableString,
  requestId: nullableString,
});

const auditQuery = Type.Object(
  {
    document: Type.Optional(Type.String({ format: 'uuid' })),
    patient: Type.Optional(Type.String({ pattern: '^[0-9]{10}$' })),
    actor: Type.Optional(Type.String({ maxLength: 200 })),
    action: Type.Optional(Type.String({ maxLength: 64 })),
    outcome: Type.Optional(outcome),
    breakGlass: Type.Optional(Type.Boolean({ description: 'true: only reads made by break-glass (the reason is in detail.breakGlass)' })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Defaulted(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 500, description: 'nextCursor from the previous page (opaque)' })),
    _format: Type.Optional(StringEnum(['json', 'fhir'], { description: 'fhir: a Bundle of IHE BALP AuditEvent resources' })),
  },
  { additionalProperties: false },
);

export function auditRoute(app: App, audits: AuditService, fhir: { odsCode: string; baseUrl: () => string }, cursors: CursorCodec): void {
  app.get('/v1/audit', {
    schema: {
      tags: ['audit'],
      summary: 'The audit trail, newest first (auditor, admin)',
      querystring: auditQuery,
      response: {
        200: {
          description: 'A page of audit events (application/json), or a FHIR searchset Bundle of AuditEvent resources (_format=fhir)',
          content: { 'application/json': { schema: page(auditEvent) }, 'application/fhir+json': { schema: searchsetAnswer('AuditEvent') } },
        },
        ...errorResponses,
      },
    },
    handler: async (request, reply) => {
      const { _format, cursor, ...q } = request.query;
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
