import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { AuditTarget } from '../audit/audited.ts';
import { recordAudit } from '../audit/audit-log.ts';
import type { Sql } from '../db/sql.ts';
import type { DocumentVersion } from '../domain/document.ts';
import { DOCUMENT_BLOB_KEY } from '../domain/blob-keys.ts';
import { AppError } from '../domain/errors.ts';
import type { BlobStores } from '../domain/ports.ts';
import type { RequestContext } from '../domain/principal.ts';
import * as repo from './repository.ts';
import { verifiedStream } from './verified-read.ts';
import { enforceReadRules, type Reader } from './read-rules.ts';

/**
 * Serving the filesystem store's signed download URLs (S3 and Azure serve their own). The HTTP layer checks the HMAC;
 * here the version is found by its key, its bytes verified on the way out, and every fetch (or refusal) audited under
 * the user the URL was issued to.
 */

interface Deps {
  sql: Sql;
  blobs: BlobStores;
  log: Logger;
}

/** Whoever holds a signed URL: the rules it is fetched under name no scope (the URL was issued under them). */
const URL_HOLDER: Reader = { patients: null, breakGlass: null, breakGlassAsked: false, canDelete: false };


export async function openSignedBlob(d: Deps, ctx: RequestContext, key: string, target: AuditTarget): Promise<{ version: DocumentVersion; stream: Readable }> {
  const found = DOCUMENT_BLOB_KEY.test(key) ? await repo.findVersionByBlobKeyWithPatient(d.sql, 'fs', key) : null;
  if (!found) throw new AppError('not_found');
  const { version } = found;
  Object.assign(target, { documentId: version.documentId, version: version.version, patient: found.patient });
  // the URL was issued under every read rule; its fetch re-checks the version's bytes (issue 25 widens this)
  enforceReadRules({ reader: URL_HOLDER, doc: { id: version.documentId, patient: found.patient }, version: { version: version.version, quarantinedAt: await repo.integrityFailedAt(d.sql, version), scanStatus: version.scanStatus } }, ['version']);
  const stream = await verifiedStream(d, ctx, 'document.blob-fetch', target, version);
  await recordAudit(d.sql, ctx, { action: 'document.blob-fetch', outcome: 'success', ...target });
  return { version, stream };
}

/**
 * A signed URL that failed its check (tampered 403, expired 410): audited as a denied fetch, naming the version when
 * the key is one of ours, and the user the URL claims to be issued to (unverified, so kept as detail). Rethrows.
 */
export async function refuseSignedBlob(d: Deps, ctx: RequestContext, key: string, claimedUser: string | undefined, e: unknown): Promise<never> {
  const target: AuditTarget = {};
  const found = DOCUMENT_BLOB_KEY.test(key) ? await repo.findVersionByBlobKeyWithPatient(d.sql, 'fs', key).catch(() => null) : null;
  if (found) Object.assign(target, { documentId: found.version.documentId, version: found.version.version, patient: found.patient });
  const detail = { key: key.slice(0, 200), ...(claimedUser ? { claimedUser: claimedUser.slice(0, 200) } : {}) };
  await recordAudit(d.sql, ctx, { action: 'document.blob-fetch', outcome: 'denied', ...target, errorCode: (e as { code?: string }).code ?? 'url_invalid', detail }).catch((ae) =>
    d.log.error({ err: ae }, 'could not write audit row for a refused signed URL'),
  );
  throw e;
}
