import type { FastifyInstance } from 'fastify';
import type { DocumentService } from '../../../documents/service.ts';
import type { CursorCodec } from '../../cursor.ts';
import { errorResponses } from '../../schemas.ts';

export function listDocumentsRoute(app: FastifyInstance, docs: DocumentService, cursors: CursorCodec): void {
  app.get('/v1/documents', {
    schema: {
      tags: ['documents'],
      summary: "A patient's documents, newest first, cursor-paged",
      querystring: {
        type: 'object',
        properties: {
          patient: { type: 'string', maxLength: 20 },
          type: { type: 'string', maxLength: 64 },
          from: { type: 'string', format: 'date', description: 'clinical date on or after' },
          to: { type: 'string', format: 'date', description: 'clinical date on or before' },
          includeEnteredInError: { type: 'boolean', default: false },
          limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
          cursor: { type: 'string', maxLength: 500, description: 'nextCursor from the previous page (opaque)' },
        },
        required: ['patient'],
        additionalProperties: false,
      },
      response: {
        200: { type: 'object', properties: { items: { type: 'array', items: { $ref: 'Document#' } }, nextCursor: { type: ['string', 'null'] } } },
        ...errorResponses,
      },
    },
    handler: async (request, reply) => {
      // a refused cursor is an attempt like any other: audited
      const decodeOrRefuse = async (c: string) => {
        try {
          return cursors.decodeList(c);
        } catch (e) {
          return docs.refuse(request.ctx, 'document.list', {}, e);
        }
      };
      const q = request.query as { patient: string; type?: string; from?: string; to?: string; includeEnteredInError: boolean; limit: number; cursor?: string };
      const after = q.cursor ? decodeOrRefuse(q.cursor) : undefined;
      const page = await docs.list(request.ctx, {
        patient: q.patient,
        type: q.type,
        dateFrom: q.from,
        dateTo: q.to,
        includeEnteredInError: q.includeEnteredInError,
        after: await after,
        limit: q.limit,
      });
      // The items arrive serialised by PostgreSQL (documents/repository.ts ListingPage); a string sent as JSON is not
      // serialised again. The response schema above still documents (and schemathesis checks) the same shape.
      const nextCursor = page.next ? cursors.encodeList(page.next.createdAt, page.next.id) : null;
      return reply.type('application/json; charset=utf-8').send(`{"items":${page.itemsJson},"nextCursor":${JSON.stringify(nextCursor)}}`);
    },
  });
}
