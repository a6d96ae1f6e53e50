import type { FastifyInstance } from 'fastify';
import type { DocumentService } from '../../documents/service.ts';
import type { Sql } from '../../db/sql.ts';
import type { AuditLogWriter } from '../types.ts';
import { verifySignedUrl } from '../../blobstores/signed-url.ts';
import { sendDocumentBytes } from './documents/content.ts';
import { auditSignedUrlDenial } from './blob-denials.ts';

/**
 * Serves the filesystem store's signed download URLs (S3 and Azure serve their own). The HMAC binds key, version,
 * expiry, headers and user; no bearer token is needed, and each fetch is audited under the user it was issued to.
 */
export function signedBlobRoute(app: FastifyInstance, docs: DocumentService, signingKey: Buffer, deps: { sql: Sql; audit: AuditLogWriter }): void {
  app.get('/v1/blobs/*', {
    config: { auth: false },
    schema: { tags: ['documents'], summary: 'Fetch bytes with a signed download URL (filesystem store)', hide: false },
    handler: async (request, reply) => {
      const key = (request.params as { '*': string })['*'];
      let claims;
      try {
        claims = verifySignedUrl(signingKey, key, request.query as Record<string, string>);
      } catch (e) {
        await auditSignedUrlDenial(deps, request.ctx, key, request.query as Record<string, string>, e).catch((ae) => request.log.error({ err: ae }, 'could not audit a refused signed-URL fetch'));
        throw e;
      }
      request.ctx.principal = { sub: claims.issuedTo, roles: [], patients: null };
      const { version, stream } = await docs.openSignedBlob(request.ctx, key);
      return sendDocumentBytes(reply, version, stream);
    },
  });
}
