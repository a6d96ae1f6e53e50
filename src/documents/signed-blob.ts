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
import { readableSignedBlob } from './access.ts';
import type { Reader } from './read-rules.ts';

/**
 * Serving the filesystem store's signed download URLs (S3 and Azure serve their own). The HTTP layer checks the HMAC;
 * here the version is found by its key, the read rules applied again as the URL's holder (access.ts), its bytes
 * verified on the way out, and every fetch (or refusal) audited under the user the URL was issued to.
 */

interface Deps {
  sql: Sql;
  blobs: BlobStores;
  log: Logger;
}

/** A fetch of a signed fs URL whose signature the caller checked: the read rules again, as its holder (access.ts). */
export async function openSignedBlob(
  d: Deps,
  ctx: RequestContext,
  key: string,
  holder: Reader,
  target: AuditTarget,
  takeSlot: () => { hold(s: Readable): Readable; release(): void },
): Promise<{ version: DocumentVersion; stream: Readable }> {
  if (!DOCUMENT_BLOB_KEY.test(key)) throw new AppError('not_found');
  const version = await readableSignedBlob(d.sql, 'fs', key, holder, target);
  const slot = takeSlot();
  try {
    const stream = await verifiedStream(d, ctx, 'document.blob-fetch', target, version);
    await recordAudit(d.sql, ctx, { action: 'document.blob-fetch', outcome: 'success', ...target });
    return { version, stream: slot.hold(stream) };
  } catch (e) {
    slot.release();
    throw e;
  }
}

/**
 * A signed URL that failed its check (tampered 403, expired 410): audited as a denied fetch, naming the version when
 * the key is one of ours, and the user the URL claims to be issued to (unverified, so kept as detail). Rethrows.
 */
export async function refuseSignedBlob(d: Deps, ctx: RequestContext, key: string, claimedUser: string | undefined, e: unknown): Promise<never> {
  const target: AuditTarget = {};
  const found = DOCUMENT_BLOB_KEY.test(key) ? await repo.findVersionByBlobKey(d.sql, 'fs', key).catch(() => null) : null;
  if (found) Object.assign(target, { documentId: found.version.documentId, version: found.version.version, patient: found.doc.patient });
  const detail = { key: key.slice(0, 200), ...(claimedUser ? { claimedUser: claimedUser.slice(0, 200) } : {}) };
  await recordAudit(d.sql, ctx, { action: 'document.blob-fetch', outcome: 'denied', ...target, errorCode: (e as { code?: string }).code ?? 'url_invalid', detail }).catch((ae) =>
    d.log.error({ err: ae }, 'could not write audit row for a refused signed URL'),
  );
  throw e;
}
