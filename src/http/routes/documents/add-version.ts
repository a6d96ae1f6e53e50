import { Type } from 'typebox';
import type { DocumentService } from '../../../documents/service.ts';
import { documentDto } from '../../../documents/document-json.ts';
import { documentAnswer, errorResponses, idParams, problem, uploadFields } from '../../schemas.ts';
import type { App } from '../../types.ts';
import { parseUpload } from './upload-body.ts';

export function addVersionRoute(app: App, docs: DocumentService, maxBytes: number): void {
  app.post('/v1/documents/:id/versions', {
    schema: {
      tags: ['documents'],
      summary: 'Upload a new version of a document; earlier versions stay readable',
      params: idParams,
      querystring: Type.Object({ filename: uploadFields.properties.filename }, { additionalProperties: false }),
      response: { 201: documentAnswer, ...errorResponses, 409: problem, 413: problem, 415: problem, 422: problem, 503: problem, 507: problem },
    },
    handler: async (request, reply) => {
      const { id } = request.params;
      const upload = await parseUpload(request, request.query, maxBytes, 'version').catch((e) => docs.refuse(request.ctx, 'document.version.create', { documentId: id }, e));
      const { document, version } = await docs.addVersion(request.ctx, id, upload.input);
      upload.finish();
      return reply.code(201).header('location', `/v1/documents/${id}?version=${version.version}`).send(documentDto(document, version));
    },
  });
}
