import type { FastifyInstance } from 'fastify';
import type { DocumentService } from '../../documents/service.ts';
import { verifySignedUrl } from '../../blobstores/signed-url.ts';
import { sendDocumentBytes } from './documents/content.ts';

/**
 * Serves the filesystem store's signed download URLs (S3 and Azure serve their own). The HMAC binds key, version,
 * expiry, headers and user; no bearer token is needed, and each fetch is audited under the user it was issued to.
 */
export function signedBlobRoute(app: FastifyInstance, docs: DocumentService, signingKey: Buffer): void {
  app.get('/v1/blobs/*', {
    config: { auth: false },
    schema: { tags: ['documents'], summary: 'Fetch bytes with a signed download URL (filesystem store)', hide: false },
    handler: async (request, reply) => {
      const key = (request.params as { '*': string })['*'];
      const q = request.query as Record<string, string | undefined>;
      let claims;
      try {
        claims = verifySignedUrl(signingKey, key, q);
      } catch (e) {
        return docs.refuseSignedBlob(request.ctx, key, typeof q.sub === 'string' ? q.sub : undefined, e);
      }
      request.ctx.principal = { sub: claims.issuedTo, roles: [], patients: null };
      const { version, stream } = await docs.openSignedBlob(request.ctx, key);
      return sendDocumentBytes(reply, version, stream);
    },
  });
}
