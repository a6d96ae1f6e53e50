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

export async function encryptFsInPlace(sql: Sql, store: FsBlobStore, log: Logger, onProgress?: (r: EncryptReport) => void): Promise<EncryptReport> {
  const keyring = store.keyring;
  if (!keyring) throw new AppError('validation_failed', 'encryption is off (QUILL_FS_ENCRYPTION=false): nothing to encrypt with');
  const started = Date.now();
  const runId = randomUUID();
  const ctx: RequestContext = { principal: { sub: 'system:migrate-blobs', roles: [], patients: null }, clientIp: null, userAgent: 'quill-docstore migrate-blobs', requestId: runId };
  const rows = sql<{ document_id: string; version: number; blob_key: string; size: bigint; sha256: string; patient_nhs: string }[]>`
    select v.document_id, v.version, v.blob_key, v.size, v.sha256, d.patient_nhs from document_versions v join documents d on d.id = v.document_id
    where v.blob_store = 'fs' order by v.document_id, v.version`.cursor(100);
  const rep: EncryptReport = { total: 0, encrypted: 0, alreadyEncrypted: 0, failed: [], bytes: 0, elapsedMs: 0 };
  for await (const page of rows) {
    for (const r of page) {
      rep.total++;
      const size = Number(r.size);
      try {
        if (await store.isEncrypted(r.blob_key)) {
          rep.alreadyEncrypted++;
          continue;
        }
        const file = path.join(store.dir, r.blob_key);
        const temp = path.join(store.dir, '.incoming', `encrypt-${randomUUID()}`);
        await mkdir(path.dirname(temp), { recursive: true });
        try {
          let corrupt: string | null = null;
          const verifier = new VerifyingStream(r.sha256, size, (actual) => (corrupt = actual));
          await pipeline(await store.get(r.blob_key, null), verifier, new EncryptingStream(keyring.current, r.blob_key), createWriteStream(temp, { flags: 'wx', mode: 0o600 })).catch((e: unknown) => {
            throw corrupt ? new Error(`the plain file does not match its recorded SHA-256 (got ${corrupt}); left as it is`) : e;
          });
          const fh = await open(temp, 'r');
          await fh.sync();
          // read back through the decryptor before replacing anything
          const back = await openObjectFile(fh, r.blob_key, keyring);
          const hash = createHash('sha256');
          let n = 0;
          for await (const c of back.stream) {
            hash.update(c as Buffer);
            n += (c as Buffer).length;
          }
          if (!back.encrypted || hash.digest('hex') !== r.sha256 || n !== size) throw new Error('the encrypted copy did not verify on read-back; plain file left as it is');
          await rename(temp, file);
          const dir = await open(path.dirname(file), 'r');
          await dir.sync().finally(() => dir.close());
        } finally {
          await unlink(temp).catch(() => undefined);
        }
        await recordAudit(sql, ctx, { action: 'document.blob-encrypt', outcome: 'success', documentId: r.document_id, version: r.version, patient: r.patient_nhs, detail: { key: r.blob_key, kek: keyring.current.id.toString('hex'), runId } });
        rep.encrypted++;
        rep.bytes += size;
      } catch (e) {
        const reason = (e as Error).message;
        rep.failed.push({ documentId: r.document_id, version: r.version, key: r.blob_key, reason });
        log.error({ documentId: r.document_id, version: r.version, key: r.blob_key, reason }, 'migrate-blobs: version not encrypted');
      }
      onProgress?.({ ...rep, elapsedMs: Date.now() - started });
    }
  }
  rep.elapsedMs = Date.now() - started;
  return rep;
}
