import { Type } from 'typebox';
import type { DocumentService } from '../../../documents/service.ts';
import { INT4_MAX } from '../../../domain/input-limits.ts';
import { Nullable } from '../../../schema/typebox.ts';
import { errorResponses, idParams, problem } from '../../schemas.ts';
import type { App } from '../../types.ts';
import { versionQuery } from './get.ts';

const downloadUrlAnswer = Type.Object({
  url: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  sha256: Type.String(),
  size: Type.Integer(),
  contentType: Type.String(),
  version: Type.Integer(),
});

const downloadUrlBody = Nullable(
  Type.Object(
    { expiresIn: Type.Optional(Type.Integer({ minimum: 1, maximum: INT4_MAX })), version: Type.Optional(Type.Integer({ minimum: 1, maximum: INT4_MAX })) },
    { additionalProperties: false },
  ),
);

export function downloadUrlRoutes(app: App, docs: DocumentService): void {
  app.post('/v1/documents/:id/download-url', {
    schema: {
      tags: ['documents'],
      summary: 'A time-limited URL that fetches the bytes straight from storage (1 hour by default)',
      params: idParams,
      body: downloadUrlBody,
      response: { 200: downloadUrlAnswer, ...errorResponses, 409: problem, 503: problem },
    },
    handler: async (request) => {
      // no body at all is null to the validator and undefined here
      const r = await docs.downloadUrl(request.ctx, request.params.id, request.body ?? {});
      return { url: r.url, expiresAt: r.expiresAt.toISOString(), sha256: r.version.sha256, size: r.version.size, contentType: r.version.contentType, version: r.version.version };
    },
  });

  app.get('/v1/documents/:id/download', {
    schema: {
      tags: ['documents'],
      summary: 'Redirects (303) to a fresh download URL',
      params: idParams,
      querystring: versionQuery,
      response: { ...errorResponses },
    },
    handler: async (request, reply) => {
      const r = await docs.downloadUrl(request.ctx, request.params.id, { version: request.query.version });
      return reply.header('cache-control', 'no-store').redirect(r.url, 303);
    },
  });
}
