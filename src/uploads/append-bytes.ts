import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { recordAudit } from '../audit/audit-log.ts';
import type { AuditTarget } from '../audit/audited.ts';
import type { Sql } from '../db/sql.ts';
import { AppError } from '../domain/errors.ts';
import { documentBlobKey } from '../domain/blob-keys.ts';
import type { BlobStore, ComposeState } from '../domain/ports.ts';
import type { RequestContext } from '../domain/principal.ts';
import { forgetCarried } from './carried-hash.ts';
import type { ResumableUploadsOptions } from './options.ts';
import { receivePart, type AppendInput, type Received } from './receive-part.ts';
import * as repo from './repository.ts';
import type { ResumableUpload } from './repository.ts';
import { declaredType } from './upload-metadata.ts';
import { dropHoldings, readParts, uploadPrefix } from './upload-parts.ts';

const NOT_COUNTED = new Error('the append was not recorded');

/**
 * How long a PATCH holds the upload's writer lease unrenewed; it renews it every third of that while it streams. Short,
 * because it is also how long a PATCH whose instance died (kill -9, a lost machine) keeps its client from resuming: the
 * crash soak's clients resumed after 60 s before this was 6. A renewal that fails (the database away) does not give the
 * lease up; only another writer's claim after it ran out does.
 */
const WRITER_LEASE_SECONDS = 6;

type Options = Pick<ResumableUploadsOptions, 'sql' | 'blobs' | 'log' | 'allowedContentTypes' | 'minPatchBytes' | 'expiryHours'>;

/**
 * A PATCH's bytes onto the upload's object: one request at a time writes an upload (a lease in its row, any
 * instance), since the object is one (one file, one multipart upload). The first PATCH starts the object under a
 * fresh document key; an upload started before migration 019 has its parts read into it first, once. The new state,
 * its offset and the upload.append audit row are recorded in one transaction: no stored patient bytes without a trace.
 * Returns the upload as it now stands.
 */
export async function appendBytes(o: Options, ctx: RequestContext, upload: ResumableUpload, input: AppendInput, target: AuditTarget): Promise<ResumableUpload> {
  const writer = randomUUID();
  if (!(await repo.claimWriter(o.sql, upload.id, upload.offset, writer, WRITER_LEASE_SECONDS))) {
    input.body.resume();
    throw new AppError('upload_offset_conflict', 'another request is sending bytes to this upload; ask for its offset (HEAD) once it has finished, and resume', { offset: upload.offset }, { retryAfter: WRITER_LEASE_SECONDS });
  }
  const lease = holdLease(o.sql, upload.id, writer, () => input.body.destroy(new AppError('upload_offset_conflict', 'this request lost the upload\'s writer lease')));
  const store = await o.blobs.of(upload.blobStore);
  /** Begun by this request and not recorded yet: given up if the request fails. */
  let started: ComposeState | null = null;
  let released = false;
  try {
    let state = upload.compose;
    let newDocumentId = upload.newDocumentId;
    if (!state) {
      newDocumentId = upload.targetDocumentId ? null : randomUUID();
      const key = documentBlobKey(upload.targetDocumentId ?? newDocumentId!, randomUUID());
      state = started = await store.composer.start(key, { prefix: uploadPrefix(upload.id), length: upload.length, contentType: declaredType(upload.metadata.filetype) ?? 'application/octet-stream' });
      if (upload.parts.length) {
        upload = await adoptLegacyParts(o, store, upload, state, writer, newDocumentId);
        started = null;
        state = upload.compose!;
      }
    }
    if (upload.offset >= upload.length) {
      input.body.resume(); // a retried commit carries no bytes
      return upload;
    }
    const received = await receivePart(o, upload, state, input);
    if (!received) {
      if (started) await giveUp(o, store, started);
      started = null;
      return upload;
    }
    if (received.size < o.minPatchBytes && upload.offset + received.size < upload.length) {
      // a run of tiny PATCHes would be a write and an audit row per byte: only the last may be short
      await drop(o, store, upload, state, received);
      throw new AppError('upload_patch_too_small', `this PATCH carried ${received.size} bytes; send at least ${o.minPatchBytes} unless it ends the upload`, { minPatchSize: o.minPatchBytes });
    }
    const fields = { fromOffset: upload.offset, writer, compose: received.compose, newDocumentId, contentType: received.contentType, release: true, expiryHours: o.expiryHours };
    const counted = await o.sql
      .begin(async (tx) => {
        // sent together (one round trip); the audit row is rolled back with the transaction when the record changed nothing
        const [row] = await Promise.all([
          repo.recordAppend(tx, upload.id, fields),
          recordAudit(tx, ctx, { action: 'upload.append', outcome: 'success', ...target, detail: { upload: upload.id, offset: upload.offset, size: received.size } }),
        ]);
        if (!row) throw NOT_COUNTED;
        return row;
      })
      .catch((e: unknown) => (e === NOT_COUNTED ? null : Promise.reject(e)));
    if (!counted) {
      await drop(o, store, upload, state, received);
      throw new AppError('upload_offset_conflict', 'another request moved this upload on first; ask for its offset (HEAD) and resume');
    }
    started = null;
    released = true; // with the record
    if (upload.offset > 0) forgetCarried(upload.id, upload.offset);
    await dropHoldings(o, store, state, received.compose);
    return counted;
  } catch (e) {
    if (started) await giveUp(o, store, started);
    throw e;
  } finally {
    lease.stop();
    if (!released) await repo.releaseWriter(o.sql, upload.id, writer).catch(() => undefined);
  }
}

/**
 * An upload started before migration 019 kept one object per PATCH: they are read, in order, into the new object
 * through the same checks and hash as a PATCH (one copy of what was received so far, once), and removed.
 */
async function adoptLegacyParts(o: Options, store: BlobStore, upload: ResumableUpload, state: ComposeState, writer: string, newDocumentId: string | null): Promise<ResumableUpload> {
  const r = await receivePart(o, upload, state, { body: Readable.from(readParts(store, upload.parts)), checksum: null });
  if (!r || r.compose.size !== upload.offset) {
    if (r) await dropHoldings(o, store, r.compose, null);
    throw new AppError('integrity_failure', `the stored parts of upload ${upload.id} do not hold the ${upload.offset} bytes received`);
  }
  const fields = { fromOffset: upload.offset, writer, compose: r.compose, newDocumentId, contentType: r.contentType, release: false, expiryHours: o.expiryHours };
  const recorded = await repo.recordAppend(o.sql, upload.id, fields);
  if (!recorded) {
    await dropHoldings(o, store, r.compose, null);
    throw new AppError('upload_offset_conflict', 'another request moved this upload on first; ask for its offset (HEAD) and resume');
  }
  for (const part of upload.parts) await store.delete(part.key, part.versionId).catch(() => undefined);
  return recorded;
}

/** A run that will not count: its working objects and hash state go; the recorded state stays as it was. */
async function drop(o: Options, store: BlobStore, upload: ResumableUpload, state: ComposeState, r: Received): Promise<void> {
  forgetCarried(upload.id, upload.offset + r.size);
  await dropHoldings(o, store, r.compose, state);
}

/** An object this request began and never recorded: given up, and its working objects removed. */
async function giveUp(o: Options, store: BlobStore, state: ComposeState): Promise<void> {
  await store.composer.abandon(state).catch((e: unknown) => o.log.warn({ err: e, key: state.key }, 'could not give up an unfinished upload object; reconcile will'));
  await dropHoldings(o, store, state, null);
}

/** Renews the writer lease while the request streams; onLost when it cannot (another request may write now). */
function holdLease(sql: Sql, id: string, writer: string, onLost: () => void): { stop(): void } {
  const timer = setInterval(() => {
    repo.renewWriter(sql, id, writer, WRITER_LEASE_SECONDS).then((held) => held || onLost(), () => undefined);
  }, (WRITER_LEASE_SECONDS * 1000) / 3);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
