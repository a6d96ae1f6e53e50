import { Type, type Static } from 'typebox';
import type { DocumentService } from '../../../documents/service.ts';
import { Defaulted } from '../../../schema/typebox.ts';
import type { CursorCodec } from '../../cursor.ts';
import { documentAnswer, errorResponses, page } from '../../schemas.ts';
import type { App } from '../../types.ts';

const listQuery = Type.Object(
  {
    patient: Type.String({ maxLength: 20 }),
    type: Type.Optional(Type.String({ maxLength: 64 })),
    from: Type.Optional(Type.String({ format: 'date', description: 'clinical date on or after' })),
    to: Type.Optional(Type.String({ format: 'date', description: 'clinical date on or before' })),
    includeEnteredInError: Defaulted(Type.Boolean({ default: false })),
    limit: Defaulted(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 500, description: 'nextCursor from the previous page (opaque)' })),
  },
  { additionalProperties: false },
);

/**
 * A page of documents, sent as JSON text PostgreSQL wrote from the document's field table (documents/document-json.ts,
 * which the schema is made from too): Fastify sends a string as it is, so the answer's type admits one.
 */
const listPage = page(documentAnswer);
const listAnswer = Type.Unsafe<Static<typeof listPage> | string>(listPage);

export function listDocumentsRoute(app: App, docs: DocumentService, cursors: CursorCodec): void {
  app.get('/v1/documents', {
    schema: {
      tags: ['documents'],
      summary: "A patient's documents, newest first, cursor-paged",
      querystring: listQuery,
      response: { 200: listAnswer, ...errorResponses },
    },
    handler: async (request, reply) => {
      const q = request.query;
      // a refused cursor is an attempt like any other: audited
      const decodeOrRefuse = async (c: string) => {
        try {
          return cursors.decodeList(c);
        } catch (e) {
          return docs.refuse(request.ctx, 'document.list', {}, e);
        }
      };
      const after = q.cursor ? decodeOrRefuse(q.cursor) : undefined;
      const listing = await docs.list(request.ctx, {
        patient: q.patient,
        type: q.type,
        dateFrom: q.from,
        dateTo: q.to,
        includeEnteredInError: q.includeEnteredInError,
        after: await after,
        limit: q.limit,
      });
      const nextCursor = listing.next ? cursors.encodeList(listing.next.createdAt, listing.next.id) : null;
      return reply.type('application/json; charset=utf-8').send(`{"items":${listing.itemsJson},"nextCursor":${JSON.stringify(nextCursor)}}`);
    },
  });
}
