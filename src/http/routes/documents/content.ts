import type { FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';
import type { DocumentVersion } from '../../../domain/document.ts';
import type { DocumentService } from '../../../documents/service.ts';
import { reprDigest } from '../../../documents/digest-header.ts';
import { attachmentDisposition } from '../../../blobstores/content-disposition.ts';
import { parseRange } from '../../../documents/range-read.ts';
import { errorResponses, idParams, problem } from '../../schemas.ts';
import type { App } from '../../types.ts';
import { versionQuery } from './get.ts';
import { boundStalledSend } from '../../stalled-send.ts';

/**
 * Headers for streamed document bytes: exact length, digest, strong ETag, never cached, never sniffed; a client that
 * stops taking them for sendTimeoutMs is cut off (QUILL_SEND_TIMEOUT_MS).
 */
export function sendDocumentBytes(reply: FastifyReply, v: DocumentVersion, stream: Readable, sendTimeoutMs: number): FastifyReply {
  boundSend(reply, sendTimeoutMs);
  return documentHeaders(reply, v).header('content-length', String(v.size)).send(stream);
}

/** 206 Partial Content: one authenticated range. */
function sendDocumentRange(reply: FastifyReply, v: DocumentVersion, stream: Readable, r: { start: number; end: number }, sendTimeoutMs: number): FastifyReply {
  boundSend(reply, sendTimeoutMs);
  return documentHeaders(reply.code(206), v)
    .header('content-length', String(r.end - r.start + 1))
    .header('content-range', `bytes ${r.start}-${r.end}/${v.size}`)
    .header('accept-ranges', 'bytes')
    .send(stream);
}

function boundSend(reply: FastifyReply, ms: number): void {
  boundStalledSend(reply.raw, ms, () => reply.log.info({ sendTimeoutMs: ms }, 'download stalled: the client took no bytes for QUILL_SEND_TIMEOUT_MS; connection closed'));
}

/** What every answer carrying a version's bytes says about them, whole or in part. */
function documentHeaders(reply: FastifyReply, v: DocumentVersion): FastifyReply {
  return reply
    .type(v.contentType)
    .header('repr-digest', reprDigest(v.sha256))
    .header('etag', `"${v.sha256}"`)
    .header('content-disposition', attachmentDisposition(v.filename))
    .header('cache-control', 'private, no-store')
    .header('x-content-type-options', 'nosniff')
    // opened by a browser, a document is inert: no script, no plug-in, no request of its own, never framed
    .header('content-security-policy', "default-src 'none'; sandbox; frame-ancestors 'none'");
}

export function contentRoute(app: App, docs: DocumentService, sendTimeoutMs: number): void {
  app.get('/v1/documents/:id/content', {
    schema: {
      tags: ['documents'],
      summary: 'The bytes, streamed through the service with SHA-256 re-verified (FHIR ITI-68 retrieve)',
      params: idParams,
      querystring: versionQuery,
      response: { ...errorResponses, 409: problem, 416: problem, 429: problem },
    },
    handler: async (request, reply) => {
      // a Range is honoured where the store authenticates each part (encrypted fs); with If-Range the whole document
      // is sent (always a correct answer to If-Range, and documents never change under a version)
      const range = request.headers['if-range'] === undefined ? parseRange(request.headers.range) : null;
      const { version, stream, range: part } = await docs.openContent(request.ctx, request.params.id, request.query.version, range);
      if (part) return sendDocumentRange(reply, version, stream, part, sendTimeoutMs);
      return sendDocumentBytes(reply, version, stream, sendTimeoutMs);
    },
  });
}
