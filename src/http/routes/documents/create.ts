import type { FastifyInstance } from 'fastify';
import type { DocumentService } from '../../../documents/service.ts';
import { documentDto } from '../../dto.ts';
import { errorResponses, uploadQuery } from '../../schemas.ts';
import { parseUpload, toMetadata } from './upload-body.ts';

export function createDocumentRoute(app: FastifyInstance, docs: DocumentService, maxBytes: number): void {
  app.post('/v1/documents', {
    schema: {
      tags: ['documents'],
      summary: 'Upload a new document',
      description:
        'multipart/form-data (fields patient, type, title, description, category, date, author, optional sha256, then a `file` part), or a raw body whose Content-Type is the document type with the metadata in the query string and an optional RFC 9530 Repr-Digest/Content-Digest sha-256.',
      querystring: uploadQuery,
      response: { 201: { $ref: 'Document#' }, ...errorResponses, 413: { $ref: 'Problem#' }, 415: { $ref: 'Problem#' }, 422: { $ref: 'Problem#' }, 503: { $ref: 'Problem#' }, 507: { $ref: 'Problem#' } },
    },
    handler: async (request, reply) => {
      const upload = await parseUpload(request, maxBytes).catch((e) => docs.refuse(request.ctx, 'document.create', {}, e));
      const { document, version } = await docs.create(request.ctx, toMetadata(upload.meta), upload.input);
      upload.finish();
      return reply.code(201).header('location', `/v1/documents/${document.id}`).send(documentDto(document, version));
    },
  });
}
