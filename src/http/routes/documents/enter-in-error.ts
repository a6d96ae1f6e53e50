import type { FastifyInstance } from 'fastify';
import type { DocumentService } from '../../../documents/service.ts';
import { documentDto } from '../../../documents/document-json.ts';
import { errorResponses, idParams } from '../../schemas.ts';

export function enterInErrorRoute(app: FastifyInstance, docs: DocumentService): void {
  app.delete('/v1/documents/:id', {
    schema: {
      tags: ['documents'],
      summary: 'Marks a document entered-in-error; bytes and history are kept (records-manager, admin)',
      params: idParams,
      body: { type: 'object', properties: { reason: { type: 'string', minLength: 3, maxLength: 2000 } }, required: ['reason'], additionalProperties: false },
      response: { 200: { $ref: 'Document#' }, ...errorResponses, 409: { $ref: 'Problem#' } },
    },
    handler: async (request) => {
      const { id } = request.params as { id: string };
      const { reason } = request.body as { reason: string };
      const r = await docs.enterInError(request.ctx, id, reason);
      return documentDto(r.document, r.version);
    },
  });
}
