import { recordAudit } from '../audit/audit-log.ts';
import type { Db, Sql } from '../db/sql.ts';
import type { Logger } from 'pino';
import { AppError, isAppError } from '../domain/errors.ts';
import { systemContext, type RequestContext } from '../domain/principal.ts';
import * as repo from './repository.ts';

/**
 * An integrity failure is an incident: the version is flagged (its downloads are refused with content_quarantined
 * until `scrub --repair` or a successful re-verification clears it), and an `integrity_failure` audit row is written
 * in the same transaction — once per incident, not on every refused download.
 */
export interface FlagTarget {
  documentId: string;
  version: number;
}

export async function flagVersion(sql: Sql, v: FlagTarget, reason: string, detail: Record<string, unknown>, ctx: RequestContext = systemContext('integrity')): Promise<boolean> {
  return sql.begin(async (tx) => {
    const patient = await repo.flagIntegrityFailure(tx, v, reason.slice(0, 2000));
    if (patient === null) return false;
    await recordAudit(tx, ctx, {
      action: 'integrity_failure',
      outcome: 'failed',
      documentId: v.documentId,
      version: v.version,
      patient,
      errorCode: 'integrity_failure',
      detail: { reason, ...detail },
    });
    return true;
  });
}

/**
 * A rescan found malware in a version stored clean (or held pending): the version is quarantined (scan status
 * infected: every read of its bytes refused with content_quarantined, read-rules.ts) and a `malware.quarantine` audit
 * row names its uploader, patient, file name, SHA-256 and the signature, in one transaction, once per find. The bytes
 * are kept for investigation. Returns false when it was already quarantined.
 */
export async function quarantineInfected(sql: Sql, v: FlagTarget, scan: { scanner: string; signatureVersion: string | null; signature: string }, ctx: RequestContext = systemContext('rescan')): Promise<boolean> {
  return sql.begin(async (tx) => {
    const found = await repo.flagInfected(tx, v, scan);
    if (!found) return false;
    await recordAudit(tx, ctx, {
      action: 'malware.quarantine',
      outcome: 'failed',
      documentId: v.documentId,
      version: v.version,
      patient: found.patient,
      errorCode: 'content_quarantined',
      detail: { uploader: found.createdBy, filename: found.filename, sha256: found.sha256, signature: scan.signature, scanner: scan.scanner, signatureVersion: scan.signatureVersion },
    });
    return true;
  });
}

/** Clears the flag after the bytes were verified again (repaired); audited as integrity.repair. */
export async function clearFlag(db: Db, v: FlagTarget, detail: Record<string, unknown>, ctx: RequestContext = systemContext('integrity')): Promise<void> {
  const patient = await repo.clearIntegrityFailure(db, v);
  await recordAudit(db, ctx, { action: 'integrity.repair', outcome: 'success', documentId: v.documentId, version: v.version, patient, detail });
}

/**
 * A read of a version's bytes failed: when the store says the bytes are corrupt (decryption failed) or gone, that is
 * an incident (flag + audit, in the background); other errors (store down) are not. Returns the error to rethrow.
 */
export function onReadFailure(sql: Sql, log: Logger, v: FlagTarget & { blobStore: string; blobKey: string }, e: unknown): unknown {
  if (isAppError(e) && (e.code === 'integrity_failure' || e.code === 'not_found')) {
    const reason = e.code === 'not_found' ? `the ${v.blobStore} object ${v.blobKey} is missing` : `the ${v.blobStore} object ${v.blobKey} failed to decrypt or verify: ${e.message}`;
    log.error({ documentId: v.documentId, version: v.version, key: v.blobKey }, `integrity failure: ${reason}`);
    flagVersion(sql, v, reason, { store: v.blobStore, key: v.blobKey, found: 'download' }).catch((err) => log.error({ err }, 'could not flag a version that failed its integrity check'));
    if (e.code === 'not_found') return new AppError('integrity_failure', 'the stored bytes of this version are missing');
  }
  return e;
}
