import { Type, type Static } from 'typebox';
import type { DocumentService } from '../../documents/service.ts';
import { verifySignedUrl } from '../../blobstores/signed-url.ts';
import { AppError } from '../../domain/errors.ts';
import { problem } from '../schemas.ts';
import type { App } from '../types.ts';
import { sendDocumentBytes } from './documents/content.ts';

/** The parameters a signed URL carries (blobstores/signed-url.ts). Any may arrive repeated. */
const param = Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())]));
const signedQuery = Type.Object({ v: param, exp: param, ct: param, fn: param, sub: param, rev: param, sig: param });

/** The signed parameters, each sent once; null when one is repeated (not what was signed: refused as tampering). */
function sentOnce(q: Static<typeof signedQuery>): Record<string, string | undefined> | null {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(q)) {
    if (!Object.hasOwn(signedQuery.properties, k)) continue; // other parameters are neither signed nor read
    if (Array.isArray(v)) return null;
    out[k] = v;
  }
  return out;
}

/**
 * Serves the filesystem store's signed download URLs (S3 and Azure serve their own). The HMAC binds key, version,
 * expiry, headers and user; no bearer token is needed, and each fetch is audited under the user it was issued to.
 */
export function signedBlobRoute(app: App, docs: DocumentService, signingKey: Buffer, sendTimeoutMs: number): void {
  app.get('/v1/blobs/*', {
    config: { auth: false },
    schema: {
      tags: ['documents'],
      summary: 'Fetch bytes with a signed download URL (filesystem store)',
      hide: false,
      params: Type.Object({ '*': Type.String() }),
      querystring: signedQuery,
      response: { 400: problem, 403: problem, 404: problem, 409: problem, 410: problem, 429: problem },
    },
    handler: async (request, reply) => {
      const key = request.params['*'];
      const signed = sentOnce(request.query);
      let claims;
      try {
        if (!signed) throw new AppError('url_invalid');
        claims = verifySignedUrl(signingKey, key, signed);
      } catch (e) {
        const sub = request.query.sub;
        return docs.refuseSignedBlob(request.ctx, key, typeof sub === 'string' ? sub : undefined, e);
      }
      request.ctx.principal = { sub: claims.issuedTo, roles: [], patients: null };
      const { version, stream } = await docs.openSignedBlob(request.ctx, key, claims, signed.sig!);
      return sendDocumentBytes(reply, version, stream, sendTimeoutMs);
    },
  });
}
