import { Type } from 'typebox';
import type { DocumentService } from '../../../documents/service.ts';
import { documentDto } from '../../../documents/document-json.ts';
import { documentAnswer, errorResponses, idParams, problem } from '../../schemas.ts';
import type { App } from '../../types.ts';

export function enterInErrorRoute(app: App, docs: DocumentService): void {
  app.delete('/v1/documents/:id', {
    schema: {
      tags: ['documents'],
      summary: 'Marks a document entered-in-error; bytes and history are kept (records-manager, admin)',
      params: idParams,
      body: Type.Object({ reason: Type.String({ minLength: 3, maxLength: 2000 }) }, { additionalProperties: false }),
      response: { 200: documentAnswer, ...errorResponses, 409: problem },
    },
    handler: async (request) => {
      const r = await docs.enterInError(request.ctx, request.params.id, request.body.reason);
      return documentDto(r.document, r.version);
    },
  });
}
