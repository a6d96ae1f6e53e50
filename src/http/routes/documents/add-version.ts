import type { FastifyInstance } from 'fastify';
import type { DocumentService } from '../../../documents/service.ts';
import { documentDto } from '../../dto.ts';
import { errorResponses, idParams } from '../../schemas.ts';
import { parseUpload } from './upload-body.ts';

export function addVersionRoute(app: FastifyInstance, docs: DocumentService, maxBytes: number): void {
  app.post('/v1/documents/:id/versions', {
    schema: {
      tags: ['documents'],
      summary: 'Upload a new version of a document; earlier versions stay readable',
      params: idParams,
      querystring: { type: 'object', properties: { filename: { type: 'string', maxLength: 1000 } }, additionalProperties: false },
      response: { 201: { $ref: 'Document#' }, ...errorResponses, 409: { $ref: 'Problem#' }, 413: { $ref: 'Problem#' }, 415: { $ref: 'Problem#' }, 422: { $ref: 'Problem#' }, 503: { $ref: 'Problem#' }, 507: { $ref: 'Problem#' } },
    },
    handler: async (request, reply) => {
      const { id } = request.params as { id: string };
      const upload = await parseUpload(request, maxBytes, 'version').catch((e) => docs.refuse(request.ctx, 'document.version.create', { documentId: id }, e));
      const { document, version } = await docs.addVersion(request.ctx, id, upload.input);
      upload.finish();
      return reply.code(201).header('location', `/v1/documents/${id}?version=${version.version}`).send(documentDto(document, version));
    },
  });
}
