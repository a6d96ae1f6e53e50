import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';
import type { DocumentVersion } from '../../../domain/document.ts';
import type { DocumentService } from '../../../documents/service.ts';
import { reprDigest } from '../../../documents/digest-header.ts';
import { attachmentDisposition } from '../../../blobstores/content-disposition.ts';
import { errorResponses, idParams } from '../../schemas.ts';
import { INT4_MAX } from '../../../domain/input-limits.ts';

/** Headers for streamed document bytes: exact length, digest, strong ETag, never cached, never sniffed. */
export function sendDocumentBytes(reply: FastifyReply, v: DocumentVersion, stream: Readable): FastifyReply {
  return reply
    .type(v.contentType)
    .header('content-length', String(v.size))
    .header('repr-digest', reprDigest(v.sha256))
    .header('etag', `"${v.sha256}"`)
    .header('content-disposition', attachmentDisposition(v.filename))
    .header('cache-control', 'private, no-store')
    .header('x-content-type-options', 'nosniff')
    .send(stream);
}

export function contentRoute(app: FastifyInstance, docs: DocumentService): void {
  app.get('/v1/documents/:id/content', {
    schema: {
      tags: ['documents'],
      summary: 'The bytes, streamed through the service with SHA-256 re-verified (FHIR ITI-68 retrieve)',
      params: idParams,
      querystring: { type: 'object', properties: { version: { type: 'integer', minimum: 1, maximum: INT4_MAX } }, additionalProperties: false },
      response: { ...errorResponses, 409: { $ref: 'Problem#' } },
    },
    handler: async (request, reply) => {
      const { id } = request.params as { id: string };
      const { version: want } = request.query as { version?: number };
      const { version, stream } = await docs.openContent(request.ctx, id, want);
      return sendDocumentBytes(reply, version, stream);
    },
  });
}
