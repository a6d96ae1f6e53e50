import type { FastifyInstance } from 'fastify';
import type { RequestContext } from '../../../domain/principal.ts';
import type { RetentionService } from '../../../retention/retention-service.ts';
import type { DisposalRun } from '../../../retention/disposal.ts';
import type { CursorCodec } from '../../cursor.ts';
import { errorResponses, idParams } from '../../schemas.ts';

/** Documents the JSON success answer (its shape is the service's; fuzzing checks every answer is documented). */
const OK_JSON = { description: 'JSON', type: 'object', additionalProperties: true } as const;

/** Due documents, four-eyes disposal batches, certificates of destruction. */
export function disposalRoutes(app: FastifyInstance, retention: RetentionService, runDisposals: (ctx: RequestContext, batchId: string) => Promise<DisposalRun>, cursors: CursorCodec): void {
  app.get('/v1/retention/due', {
    schema: {
      tags: ['retention'],
      summary: 'Documents past their retainUntil, not on hold and not already proposed, oldest first (records-manager, admin)',
      querystring: {
        type: 'object',
        properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, cursor: { type: 'string', maxLength: 200 } },
        additionalProperties: false,
      },
      response: { 200: OK_JSON, ...errorResponses },
    },
    handler: async (request) => {
      // a refused cursor is an attempt like any other: audited
      const decodeOrRefuse = (c: string) => {
        try {
          return cursors.decodeDue(c);
        } catch (e) {
          return retention.refuse(request.ctx, 'retention.due', e);
        }
      };
      const q = request.query as { limit: number; cursor?: string };
      const page = await retention.due(request.ctx, q.cursor ? await decodeOrRefuse(q.cursor) : null, q.limit);
      return { items: page.items, nextCursor: page.next ? cursors.encodeDue(page.next.retainUntil, page.next.id) : null };
    },
  });

  app.get('/v1/retention/disposals', {
    schema: {
      tags: ['retention'],
      summary: 'Disposal batches (records-manager, admin)',
      querystring: { type: 'object', properties: { state: { type: 'string', enum: ['proposed', 'approved', 'rejected', 'completed'] } }, additionalProperties: false },
      response: { 200: OK_JSON, ...errorResponses },
    },
    handler: async (request) => ({ items: await retention.listBatches(request.ctx, (request.query as { state?: string }).state) }),
  });

  app.post('/v1/retention/disposals', {
    schema: {
      tags: ['retention'],
      summary: 'Proposes documents for disposal (records-manager, admin); each must be past retainUntil and not on hold, or the whole proposal is refused (409)',
      body: {
        type: 'object',
        properties: { documents: { type: 'array', items: { type: 'string', format: 'uuid' }, minItems: 1, maxItems: 1000 }, reason: { type: 'string', minLength: 3, maxLength: 2000 } },
        required: ['documents', 'reason'],
        additionalProperties: false,
      },
      response: { 201: { type: 'object', additionalProperties: true }, ...errorResponses, 409: { $ref: 'Problem#' } },
    },
    handler: async (request, reply) => {
      const b = request.body as { documents: string[]; reason: string };
      return reply.code(201).send(await retention.propose(request.ctx, b.documents, b.reason));
    },
  });

  app.post('/v1/retention/disposals/:id/approve', {
    schema: {
      tags: ['retention'],
      summary:
        'Approves a proposed batch (a second records-manager, or an admin; never its proposer): every document is checked again, certificates written, then bytes, FHIR entries and metadata destroyed',
      params: idParams,
      body: { type: 'object', properties: { note: { type: 'string', maxLength: 2000 } }, additionalProperties: false },
      response: { 200: OK_JSON, ...errorResponses, 409: { $ref: 'Problem#' } },
    },
    handler: async (request) => {
      const { id } = request.params as { id: string };
      await retention.approve(request.ctx, id, (request.body as { note?: string } | undefined)?.note ?? null);
      const run = await runDisposals(request.ctx, id);
      const batch = await retention.batch(id);
      return { batch, destroyed: run.destroyed, failed: run.failed };
    },
  });

  app.post('/v1/retention/disposals/:id/reject', {
    schema: {
      tags: ['retention'],
      summary: 'Rejects (or withdraws) a proposed batch (records-manager, admin)',
      params: idParams,
      body: { type: 'object', properties: { note: { type: 'string', minLength: 3, maxLength: 2000 } }, required: ['note'], additionalProperties: false },
      response: { 200: OK_JSON, ...errorResponses, 409: { $ref: 'Problem#' } },
    },
    handler: async (request) => retention.reject(request.ctx, (request.params as { id: string }).id, (request.body as { note: string }).note),
  });

  app.get('/v1/retention/certificates', {
    schema: {
      tags: ['retention'],
      summary: 'Certificates of destruction, newest first (records-manager, auditor, admin)',
      querystring: {
        type: 'object',
        properties: { patient: { type: 'string', pattern: '^[0-9]{10}$' }, batch: { type: 'string', format: 'uuid' }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        additionalProperties: false,
      },
      response: { 200: OK_JSON, ...errorResponses },
    },
    handler: async (request) => ({ items: await retention.certificates(request.ctx, request.query as { patient?: string; batch?: string; limit: number }) }),
  });

  app.get('/v1/retention/certificates/:id', {
    schema: { tags: ['retention'], summary: 'One certificate of destruction', params: idParams, response: { 200: OK_JSON, ...errorResponses } },
    handler: async (request) => retention.certificate(request.ctx, (request.params as { id: string }).id),
  });
}
