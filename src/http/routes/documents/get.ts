import { Type } from 'typebox';
import type { DocumentService } from '../../../documents/service.ts';
import { documentDto } from '../../../documents/document-json.ts';
import { INT4_MAX } from '../../../domain/input-limits.ts';
import { documentAnswer, errorResponses, idParams } from '../../schemas.ts';
import type { App } from '../../types.ts';

export const versionQuery = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1, maximum: INT4_MAX })) }, { additionalProperties: false });

export function getDocumentRoute(app: App, docs: DocumentService): void {
  app.get('/v1/documents/:id', {
    schema: {
      tags: ['documents'],
      summary: "A document's metadata (the current version unless ?version=) with every version listed",
      params: idParams,
      querystring: versionQuery,
      response: { 200: documentAnswer, ...errorResponses },
    },
    handler: async (request) => {
      const r = await docs.get(request.ctx, request.params.id, request.query.version);
      return documentDto(r.document, r.version, r.versions);
    },
  });
}
