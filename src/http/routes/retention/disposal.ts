import { Type } from 'typebox';
import type { RequestContext } from '../../../domain/principal.ts';
import type { RetentionService } from '../../../retention/retention-service.ts';
import type { DisposalRun } from '../../../retention/disposal.ts';
import { Defaulted, StringEnum } from '../../../schema/typebox.ts';
import type { CursorCodec } from '../../cursor.ts';
import { errorResponses, idParams, page, problem } from '../../schemas.ts';
import type { App } from '../../types.ts';
import { approveAnswer, batchAnswer, certificateAnswer, dueDocument, items } from './answers.ts';

const limit = Defaulted(Type.Integer({ minimum: 1, maximum: 1000, default: 100 }));

/** Due documents, four-eyes disposal batches, certificates of destruction. */
export function disposalRoutes(app: App, retention: RetentionService, runDisposals: (ctx: RequestContext, batchId: string) => Promise<DisposalRun>, cursors: CursorCodec): void {
  app.get('/v1/retention/due', {
    schema: {
      tags: ['retention'],
      summary: 'Documents past their retainUntil, not on hold and not already proposed, oldest first (records-manager, admin)',
      querystring: Type.Object({ limit, cursor: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
      response: { 200: page(dueDocument), ...errorResponses },
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
      const q = request.query;
      const due = await retention.due(request.ctx, q.cursor ? await decodeOrRefuse(q.cursor) : null, q.limit);
      return { items: due.items, nextCursor: due.next ? cursors.encodeDue(due.next.retainUntil, due.next.id) : null };
    },
  });

  app.get('/v1/retention/disposals', {
    schema: {
      tags: ['retention'],
      summary: 'Disposal batches (records-manager, admin)',
      querystring: Type.Object({ state: Type.Optional(StringEnum(['proposed', 'approved', 'rejected', 'completed'])) }, { additionalProperties: false }),
      response: { 200: items(batchAnswer), ...errorResponses },
    },
    handler: async (request) => ({ items: await retention.listBatches(request.ctx, request.query.state) }),
  });

  app.post('/v1/retention/disposals', {
    schema: {
      tags: ['retention'],
      summary: 'Proposes documents for disposal (records-manager, admin); each must be past retainUntil and not on hold, or the whole proposal is refused (409)',
      body: Type.Object(
        { documents: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 1000 }), reason: Type.String({ minLength: 3, maxLength: 2000 }) },
        { additionalProperties: false },
      ),
      response: { 201: batchAnswer, ...errorResponses, 409: problem },
    },
    handler: async (request, reply) => reply.code(201).send(await retention.propose(request.ctx, request.body.documents, request.body.reason)),
  });

  app.post('/v1/retention/disposals/:id/approve', {
    schema: {
      tags: ['retention'],
      summary:
        'Approves a proposed batch (a second records-manager, or an admin; never its proposer): every document is checked again, certificates written, then bytes, FHIR entries and metadata destroyed',
      params: idParams,
      body: Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
      response: { 200: approveAnswer, ...errorResponses, 409: problem },
    },
    handler: async (request) => {
      const { id } = request.params;
      await retention.approve(request.ctx, id, request.body.note ?? null);
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
      body: Type.Object({ note: Type.String({ minLength: 3, maxLength: 2000 }) }, { additionalProperties: false }),
      response: { 200: batchAnswer, ...errorResponses, 409: problem },
    },
    handler: async (request) => retention.reject(request.ctx, request.params.id, request.body.note),
  });

  app.get('/v1/retention/certificates', {
    schema: {
      tags: ['retention'],
      summary: 'Certificates of destruction, newest first (records-manager, auditor, admin)',
      querystring: Type.Object(
        { patient: Type.Optional(Type.String({ pattern: '^[0-9]{10}$' })), batch: Type.Optional(Type.String({ format: 'uuid' })), limit },
        { additionalProperties: false },
      ),
      response: { 200: items(certificateAnswer), ...errorResponses },
    },
    handler: async (request) => ({ items: await retention.certificates(request.ctx, request.query) }),
  });

  app.get('/v1/retention/certificates/:id', {
    schema: { tags: ['retention'], summary: 'One certificate of destruction', params: idParams, response: { 200: certificateAnswer, ...errorResponses } },
    handler: async (request) => retention.certificate(request.ctx, request.params.id),
  });
}
