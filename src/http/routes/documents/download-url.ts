import type { FastifyInstance } from 'fastify';
import type { DocumentService } from '../../../documents/service.ts';
import { errorResponses, idParams } from '../../schemas.ts';
import { INT4_MAX } from '../../../domain/input-limits.ts';

const downloadUrlResponse = {
  type: 'object',
  properties: {
    url: { type: 'string' },
    expiresAt: { type: 'string', format: 'date-time' },
    sha256: { type: 'string' },
    size: { type: 'integer' },
    contentType: { type: 'string' },
    version: { type: 'integer' },
  },
} as const;

export function downloadUrlRoutes(app: FastifyInstance, docs: DocumentService): void {
  app.post('/v1/documents/:id/download-url', {
    schema: {
      tags: ['documents'],
      summary: 'A time-limited URL that fetches the bytes straight from storage (1 hour by default)',
      params: idParams,
      body: {
        type: ['object', 'null'],
        properties: { expiresIn: { type: 'integer', minimum: 1, maximum: INT4_MAX }, version: { type: 'integer', minimum: 1, maximum: INT4_MAX } },
        additionalProperties: false,
      },
      response: { 200: downloadUrlResponse, ...errorResponses, 409: { $ref: 'Problem#' }, 503: { $ref: 'Problem#' } },
    },
    handler: async (request) => {
      const { id } = request.params as { id: string };
      const body = (request.body ?? {}) as { expiresIn?: number; version?: number };
      const r = await docs.downloadUrl(request.ctx, id, body);
      return { url: r.url, expiresAt: r.expiresAt.toISOString(), sha256: r.version.sha256, size: r.version.size, contentType: r.version.contentType, version: r.version.version };
    },
  });

  app.get('/v1/documents/:id/download', {
    schema: {
      tags: ['documents'],
      summary: 'Redirects (303) to a fresh download URL',
      params: idParams,
      querystring: { type: 'object', properties: { version: { type: 'integer', minimum: 1, maximum: INT4_MAX } }, additionalProperties: false },
      response: { ...errorResponses },
    },
    handler: async (request, reply) => {
      const { id } = request.params as { id: string };
      const { version } = request.query as { version?: number };
      const r = await docs.downloadUrl(request.ctx, id, { version });
      return reply.header('cache-control', 'no-store').redirect(r.url, 303);
    },
  });
}
