import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Sql } from '../db/sql.ts';
import type { BlobStore } from '../domain/ports.ts';
import * as repo from './repository.ts';

/**
 * The tamper-evident audit trail. Migration 008's trigger gives every audit row a position (chain_lane, chain_seq) and
 * row_hash = SHA-256(prev_hash || canonical text), in the inserting transaction, under a row lock on its lane's head
 * (16 lanes, so concurrent transactions do not queue behind one lock through their commits). This file checks that chain from the application side and anchors its head outside PostgreSQL:
 * an object `audit-anchors/<time>-<rows>.json` (every lane's head) in the blob store (kept by Object Lock where the bucket has default
 * retention), so that even a superuser who rewrites the whole chain consistently is caught at the last anchor.
 */
export const ANCHOR_PREFIX = 'audit-anchors/';
const ZERO = Buffer.alloc(32);

export interface AnchorHead {
  lane: number;
  seq: number;
  hash: string;
}

export interface AuditAnchor {
  at: string;
  key: string;
  lanes: AnchorHead[];
}

export type ChainBreakKind = 'edited' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'anchor-mismatch' | 'anchor-unreadable';

export interface ChainBreak {
  kind: ChainBreakKind;
  /** The chain (lane) and position where the break shows. */
  lane: number | null;
  seq: number | null;
  /** The audit row id at that position, when there is a row. */
  id: string | null;
  detail: string;
}

export interface AuditVerifyReport {
  ok: boolean;
  from: number;
  rowsChecked: number;
  /** Rows written according to the chain heads (all lanes). */
  headRows: number;
  anchorsChecked: number;
  lastAnchor: AuditAnchor | null;
  /** Every break found; the first is the earliest tampered row (by id, where known). */
  breaks: ChainBreak[];
  elapsedMs: number;
}

const sha = (prev: Buffer, canon: string) => createHash('sha256').update(prev).update(canon, 'utf8').digest();

/**
 * Walks every lane's chain from position `from` (default 1) to its head, and every anchor; reports each break.
 * Bounded memory (keyset pages).
 */
export async function verifyAuditChain(sql: Sql, store: BlobStore | null, opts: { from?: number; batch?: number; onProgress?: (rows: number) => void } = {}): Promise<AuditVerifyReport> {
  const started = Date.now();
  const from = Math.max(1, Math.floor(opts.from ?? 1));
  const batch = opts.batch ?? 5000;
  const breaks: ChainBreak[] = [];
  const anchors = store ? await readAnchors(store, breaks) : [];
  let anchorsChecked = 0;
  let rows = 0;

  const heads = await repo.chainHeads(sql);

  // rows that never joined a chain: written with the chain trigger disabled
  for (const r of await repo.unchainedRows(sql, 1000)) {
    breaks.push({ kind: 'inserted', lane: null, seq: null, id: String(r.id), detail: `audit row ${r.id} is not in the hash chain: it was inserted with the chain trigger disabled` });
  }
  const laneIds = new Set([...heads.map((h) => h.lane), ...(await repo.chainLanes(sql))]);

  for (const lane of [...laneIds].sort((a, b) => a - b)) {
    const head = heads.find((h) => h.lane === lane);
    const anchorBySeq = new Map<number, { a: AuditAnchor; hash: string }[]>();
    for (const a of anchors) for (const l of a.lanes) if (l.lane === lane) anchorBySeq.set(l.seq, [...(anchorBySeq.get(l.seq) ?? []), { a, hash: l.hash }]);
    let expectedSeq = from;
    let expectedPrev: Buffer | null = from === 1 ? ZERO : null; // from a later start, trust the first row's prev_hash
    let lastId: string | null = null;
    for (;;) {
      const page = await repo.chainPage(sql, lane, expectedSeq, batch);
      for (const r of page) {
        const seq = Number(r.chain_seq);
        const id = String(r.id);
        if (seq > expectedSeq) {
          breaks.push({
            kind: 'deleted',
            lane,
            seq: expectedSeq,
            id: null,
            detail: `lane ${lane}: audit rows at positions ${expectedSeq}${seq - 1 > expectedSeq ? `–${seq - 1}` : ''} are missing (between row ${lastId ?? '(start)'} and row ${id}): deleted`,
          });
          expectedPrev = null; // the gap hides the previous hash; resynchronise on this row
        }
        const recomputed = r.prev_hash ? sha(r.prev_hash, r.canon) : null;
        if (!r.row_hash || !recomputed || !recomputed.equals(r.row_hash)) {
          breaks.push({ kind: 'edited', lane, seq, id, detail: `audit row ${id} (lane ${lane}, position ${seq}) does not match its hash: its content was changed after it was written` });
        } else if (expectedPrev && !r.prev_hash!.equals(expectedPrev)) {
          breaks.push({
            kind: seq === expectedSeq && lastId !== null ? 'reordered' : 'inserted',
            lane,
            seq,
            id,
            detail: `audit row ${id} (lane ${lane}, position ${seq}) does not follow row ${lastId ?? '(start)'}: a row was inserted, replaced or moved here`,
          });
        }
        for (const { a, hash } of anchorBySeq.get(seq) ?? []) {
          anchorsChecked++;
          if (!r.row_hash || r.row_hash.toString('hex') !== hash) {
            breaks.push({ kind: 'anchor-mismatch', lane, seq, id, detail: `anchor ${a.key} (written ${a.at}) recorded hash ${hash.slice(0, 16)}… for lane ${lane} position ${seq}; the database now has ${r.row_hash?.toString('hex').slice(0, 16) ?? 'none'}…: the chain up to here was rewritten` });
          }
        }
        expectedPrev = r.row_hash;
        expectedSeq = seq + 1;
        lastId = id;
        rows++;
      }
      opts.onProgress?.(rows);
      if (page.length < batch) break;
    }
    const lastSeq = expectedSeq - 1;
    const headSeq = Number(head?.seq ?? 0);
    if (headSeq > lastSeq) {
      breaks.push({ kind: 'deleted', lane, seq: lastSeq + 1, id: null, detail: `lane ${lane}: the chain head says ${headSeq} rows were written but the last row is at position ${lastSeq}: rows ${lastSeq + 1}–${headSeq} were deleted` });
    } else if (!head || (expectedPrev && headSeq === lastSeq && !head.hash.equals(expectedPrev))) {
      breaks.push({ kind: 'edited', lane, seq: lastSeq, id: lastId, detail: `lane ${lane}: the chain head does not match the last row` });
    }
    for (const seq of anchorBySeq.keys()) {
      if (seq > lastSeq && seq >= from) {
        const { a } = anchorBySeq.get(seq)![0]!;
        breaks.push({ kind: 'truncated', lane, seq, id: null, detail: `anchor ${a.key} (written ${a.at}) vouches for lane ${lane} position ${seq}, but the lane ends at ${lastSeq}: rows were deleted from the end` });
      }
    }
  }
  const order = (b: ChainBreak) => (b.id !== null ? Number(b.id) : Number.MAX_SAFE_INTEGER);
  breaks.sort((x, y) => order(x) - order(y));
  return {
    ok: breaks.length === 0,
    from,
    rowsChecked: rows,
    headRows: heads.reduce((n, h) => n + Number(h.seq), 0),
    anchorsChecked,
    lastAnchor: anchors.at(-1) ?? null,
    breaks,
    elapsedMs: Date.now() - started,
  };
}

async function readAnchors(store: BlobStore, breaks: ChainBreak[]): Promise<AuditAnchor[]> {
  const out: AuditAnchor[] = [];
  for await (const l of store.list(ANCHOR_PREFIX)) {
    try {
      const parts: Buffer[] = [];
      for await (const c of await store.get(l.key, l.versionId)) parts.push(c as Buffer);
      const a = JSON.parse(Buffer.concat(parts).toString('utf8')) as { at: string; lanes: AnchorHead[] };
      if (!Array.isArray(a.lanes) || !a.lanes.every((x) => Number.isSafeInteger(x.lane) && Number.isSafeInteger(x.seq) && /^[0-9a-f]{64}$/.test(x.hash))) throw new Error('not an anchor');
      out.push({ at: a.at, key: l.key, lanes: a.lanes });
    } catch (e) {
      breaks.push({ kind: 'anchor-unreadable', lane: null, seq: null, id: null, detail: `anchor ${l.key} cannot be read: ${(e as Error).message}` });
    }
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

/** Writes every lane's head to the blob store, unless nothing was written since the last anchor. */
export async function anchorAuditChain(sql: Sql, store: BlobStore, last?: { total: number }, retainDays = 3650): Promise<(AuditAnchor & { total: number; retained: boolean }) | null> {
  const heads = (await repo.chainHeads(sql)).filter((h) => h.seq > 0n);
  const total = heads.reduce((n, h) => n + Number(h.seq), 0);
  if (total === 0 || last?.total === total) return null;
  const at = new Date().toISOString();
  const key = `${ANCHOR_PREFIX}${at.replace(/[-:]/g, '').replace('.', '')}-${String(total).padStart(12, '0')}.json`;
  const lanes = heads.map((h) => ({ lane: h.lane, seq: Number(h.seq), hash: h.hash.toString('hex') }));
  const put = await store.put(key, Readable.from([Buffer.from(JSON.stringify({ at, lanes }))]), { contentType: 'application/json' });
  // write-once where the store can (S3 Object Lock, COMPLIANCE): not even the bucket owner can delete or replace it
  const retained = retainDays > 0 && store.retention ? await store.retention.writeOnce(key, put.versionId, new Date(Date.now() + retainDays * 86_400_000)) : false;
  return { at, key, lanes, total, retained };
}

/** The service's anchoring loop (QUILL_AUDIT_ANCHOR_INTERVAL seconds); one anchor per interval per instance at most. */
export function startAuditAnchoring(sql: Sql, store: BlobStore, log: Logger, intervalSeconds: number, retainDays = 3650): { stop(): Promise<void> } {
  if (intervalSeconds <= 0) return { stop: async () => undefined };
  let last: { total: number } | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = anchorAuditChain(sql, store, last, retainDays)
      .then((a) => {
        if (a) {
          last = a;
          log.info({ rows: a.total, key: a.key, retained: a.retained }, 'audit chain anchored');
        }
      })
      .catch((e) => log.warn({ err: e }, 'could not anchor the audit chain'));
  };
  const timer = setInterval(tick, intervalSeconds * 1000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
