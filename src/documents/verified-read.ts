import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { AuditTarget } from '../audit/audited.ts';
import type { AuditAction } from '../audit/audit-event.ts';
import { recordAudit } from '../audit/audit-log.ts';
import type { Sql } from '../db/sql.ts';
import type { DocumentVersion } from '../domain/document.ts';
import type { BlobStores } from '../domain/ports.ts';
import type { RequestContext } from '../domain/principal.ts';
import { VerifyingStream } from './verifying-stream.ts';
import { onReadFailure } from './quarantine.ts';

/**
 * A version's bytes from the store its row names, SHA-256 re-verified on the way out: the last chunk is held back
 * until the digest matches, so corrupted bytes never arrive as a complete response. A mismatch is logged and audited
 * under `action` (null: the caller audits the failure of what it was doing itself); either way the version is flagged.
 */
export async function verifiedStream(d: { sql: Sql; blobs: BlobStores; log: Logger }, ctx: RequestContext, action: AuditAction | null, target: AuditTarget, v: DocumentVersion): Promise<Readable> {
  const source = await (await d.blobs.of(v.blobStore)).get(v.blobKey, v.blobVersionId).catch((e: unknown) => Promise.reject(onReadFailure(d.sql, d.log, v, e)));
  const verifier = new VerifyingStream(v.sha256, v.size, (actual) => {
    d.log.error({ documentId: v.documentId, version: v.version, expected: v.sha256, actual }, 'integrity failure: stored bytes do not match their SHA-256');
    if (!action) return;
    recordAudit(d.sql, ctx, { action, outcome: 'failed', ...target, errorCode: 'integrity_failure', detail: { expected: v.sha256, actual } }).catch((e) =>
      d.log.error({ err: e }, 'could not audit integrity failure'),
    );
  });
  pipeline(source, verifier).catch((e: unknown) => onReadFailure(d.sql, d.log, v, e)); // corrupt or gone: an incident
  return verifier;
}
