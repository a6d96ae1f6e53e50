import type { DocumentService } from '../../../documents/service.ts';
import { documentDto } from '../../../documents/document-json.ts';
import { documentAnswer, errorResponses, problem, uploadFields } from '../../schemas.ts';
import type { App } from '../../types.ts';
import { parseUpload, toMetadata } from './upload-body.ts';

export function createDocumentRoute(app: App, docs: DocumentService, maxBytes: number): void {
  app.post('/v1/documents', {
    schema: {
      tags: ['documents'],
      summary: 'Upload a new document',
      description:
        'multipart/form-data (fields patient, type, title, description, category, date, author, optional sha256, then a `file` part), or a raw body whose Content-Type is the document type with the metadata in the query string and an optional RFC 9530 Repr-Digest/Content-Digest sha-256.',
      querystring: uploadFields,
      response: { 201: documentAnswer, ...errorResponses, 413: problem, 415: problem, 422: problem, 503: problem, 507: problem },
    },
    handler: async (request, reply) => {
      const upload = await parseUpload(request, request.query, maxBytes).catch((e) => docs.refuse(request.ctx, 'document.create', {}, e));
      const { document, version } = await docs.create(request.ctx, toMetadata(upload.meta), upload.input);
      upload.finish();
      return reply.code(201).header('location', `/v1/documents/${document.id}`).send(documentDto(document, version));
    },
  });
}
