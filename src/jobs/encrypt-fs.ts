import { versionsInStorePage, type StoredVersionRef } from '../documents/repository.ts';
import { randomUUID, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { recordAudit } from '../audit/audit-log.ts';
import type { Sql } from '../db/sql.ts';
import { VerifyingStream } from '../documents/verifying-stream.ts';
import { AppError } from '../domain/errors.ts';
import type { RequestContext } from '../domain/principal.ts';
import type { FsBlobStore } from '../blobstores/fs-store.ts';
import { openObjectFile } from '../blobstores/encryption/encrypted-file.ts';
import { EncryptingStream } from '../blobstores/encryption/streams.ts';

/**
 * `quill-docstore migrate-blobs --from fs --to fs-encrypted`: encrypts, in place, every fs version still stored as a
 * plain file (written before encryption was on). Per version: stream the plain file through the SHA-256/size check
 * against PostgreSQL (the last chunk is held back, so a corrupt file is never encrypted) and the encryptor into a temp
 * file; fsync; decrypt the temp file and hash it again; only then rename it over the plain file (atomic) and audit
 * `document.blob-encrypt`. Resumable: encrypted files are skipped, and a kill leaves at most a temp file.
 * A plain file and an encrypted one are told apart by the encryption header's magic bytes.
 */
export interface EncryptReport {
  total: number;
  encrypted: number;
  alreadyEncrypted: number;
  failed: { documentId: string; version: number; key: string; reason: string }[];
  bytes: number;
  elapsedMs: number;
}

/** ctx: the audit context of the run (the CLI's systemContext); its request id is the run's id. */
export async function encryptFsInPlace(sql: Sql, store: FsBlobStore, log: Logger, ctx: RequestContext, onProgress?: (r: EncryptReport) => void): Promise<EncryptReport> {
  const keyring = store.keyring;
  if (!keyring) throw new AppError('validation_failed', 'encryption is off (QUILL_FS_ENCRYPTION=false): nothing to encrypt with');
  const started = Date.now();
  const runId = ctx.requestId;
  const rep: EncryptReport = { total: 0, encrypted: 0, alreadyEncrypted: 0, failed: [], bytes: 0, elapsedMs: 0 };
  for (let after: StoredVersionRef | null = null, page: StoredVersionRef[]; (page = await versionsInStorePage(sql, 'fs', after, 100)).length; after = page.at(-1)!) {
    for (const v of page) {
      rep.total++;
      const size = v.size;
      try {
        if (await store.isEncrypted(v.blobKey)) {
          rep.alreadyEncrypted++;
          continue;
        }
        const file = path.join(store.dir, v.blobKey);
        const temp = path.join(store.dir, '.incoming', `encrypt-${randomUUID()}`);
        await mkdir(path.dirname(temp), { recursive: true, mode: 0o700 });
        try {
          let corrupt: string | null = null;
          const verifier = new VerifyingStream(v.sha256, size, (actual) => (corrupt = actual));
          await pipeline(await store.get(v.blobKey, null), verifier, new EncryptingStream(keyring.current, v.blobKey), createWriteStream(temp, { flags: 'wx', mode: 0o600 })).catch((e: unknown) => {
            throw corrupt ? new Error(`the plain file does not match its recorded SHA-256 (got ${corrupt}); left as it is`) : e;
          });
          const fh = await open(temp, 'r');
          await fh.sync();
          // read back through the decryptor before replacing anything
          const back = await openObjectFile(fh, v.blobKey, keyring);
          const hash = createHash('sha256');
          let n = 0;
          for await (const c of back.stream) {
            hash.update(c as Buffer);
            n += (c as Buffer).length;
          }
          if (!back.encrypted || hash.digest('hex') !== v.sha256 || n !== size) throw new Error('the encrypted copy did not verify on read-back; plain file left as it is');
          await rename(temp, file);
          const dir = await open(path.dirname(file), 'r');
          await dir.sync().finally(() => dir.close());
        } finally {
          await unlink(temp).catch(() => undefined);
        }
        await recordAudit(sql, ctx, { action: 'document.blob-encrypt', outcome: 'success', documentId: v.documentId, version: v.version, patient: v.patient, detail: { key: v.blobKey, kek: keyring.current.id.toString('hex'), runId } });
        rep.encrypted++;
        rep.bytes += size;
      } catch (e) {
        const reason = (e as Error).message;
        rep.failed.push({ documentId: v.documentId, version: v.version, key: v.blobKey, reason });
        log.error({ documentId: v.documentId, version: v.version, key: v.blobKey, reason }, 'migrate-blobs: version not encrypted');
      }
      onProgress?.({ ...rep, elapsedMs: Date.now() - started });
    }
  }
  rep.elapsedMs = Date.now() - started;
  return rep;
}
