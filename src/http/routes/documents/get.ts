import type { FastifyInstance } from 'fastify';
import type { DocumentService } from '../../../documents/service.ts';
import { documentDto } from '../../../documents/document-json.ts';
import { errorResponses, idParams } from '../../schemas.ts';
import { INT4_MAX } from '../../../domain/input-limits.ts';

export function getDocumentRoute(app: FastifyInstance, docs: DocumentService): void {
  app.get('/v1/documents/:id', {
    schema: {
      tags: ['documents'],
      summary: "A document's metadata (the current version unless ?version=) with every version listed",
      params: idParams,
      querystring: { type: 'object', properties: { version: { type: 'integer', minimum: 1, maximum: INT4_MAX } }, additionalProperties: false },
      response: { 200: { $ref: 'Document#' }, ...errorResponses },
    },
    handler: async (request) => {
      const { id } = request.params as { id: string };
      const { version } = request.query as { version?: number };
      const r = await docs.get(request.ctx, id, version);
      return documentDto(r.document, r.version, r.versions);
    },
  });
}
