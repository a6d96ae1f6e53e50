import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Sql } from '../db/sql.ts';
import type { BlobStore } from '../domain/ports.ts';

/**
 * The tamper-evident audit trail. Migration 008's trigger gives every audit row a chain_seq and
 * row_hash = SHA-256(prev_hash || canonical text), in the inserting transaction, under a lock on the one-row
 * audit_chain_head. This file checks that chain from the application side and anchors its head outside PostgreSQL:
 * an object `audit-anchors/<seq>-<time>.json` in the blob store (kept by Object Lock where the bucket has default
 * retention), so that even a superuser who rewrites the whole chain consistently is caught at the last anchor.
 */
export const ANCHOR_PREFIX = 'audit-anchors/';
const ZERO = Buffer.alloc(32);

// The canonical text, spelled here rather than calling the database's audit_canonical() so that a replaced function
// cannot make verification agree with edited rows. Must stay identical to migration 008.
const CANON = `jsonb_build_array(chain_seq, id, (extract(epoch from at) * 1000000)::bigint, actor, roles, action, outcome,
  document_id, version, patient_nhs, error_code, detail, client_ip, user_agent, request_id)::text`;

export interface AuditAnchor {
  seq: number;
  hash: string;
  at: string;
  key: string;
}

export type ChainBreakKind = 'edited' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'anchor-mismatch' | 'anchor-unreadable';

export interface ChainBreak {
  kind: ChainBreakKind;
  /** The chain position where the break shows. */
  seq: number | null;
  /** The audit row id at that position, when there is a row. */
  id: string | null;
  detail: string;
}

export interface AuditVerifyReport {
  ok: boolean;
  from: number;
  rowsChecked: number;
  headSeq: number;
  anchorsChecked: number;
  lastAnchor: AuditAnchor | null;
  /** Every break found, in chain order; the first is the first tampered row. */
  breaks: ChainBreak[];
  elapsedMs: number;
}

interface ChainRow {
  chain_seq: bigint | null;
  id: bigint;
  prev_hash: Buffer | null;
  row_hash: Buffer | null;
  canon: string;
}

const sha = (prev: Buffer, canon: string) => createHash('sha256').update(prev).update(canon, 'utf8').digest();

/** Walks the chain from `from` (default 1) to the head, and every anchor; reports each break. Bounded memory. */
export async function verifyAuditChain(sql: Sql, store: BlobStore | null, opts: { from?: number; batch?: number; onProgress?: (rows: number) => void } = {}): Promise<AuditVerifyReport> {
  const started = Date.now();
  const from = Math.max(1, Math.floor(opts.from ?? 1));
  const batch = opts.batch ?? 5000;
  const breaks: ChainBreak[] = [];
  const anchors = store ? await readAnchors(store, breaks) : [];
  const anchorBySeq = new Map<number, AuditAnchor[]>();
  for (const a of anchors) anchorBySeq.set(a.seq, [...(anchorBySeq.get(a.seq) ?? []), a]);
  let anchorsChecked = 0;

  const [head] = await sql<{ seq: bigint; hash: Buffer }[]>`select seq, hash from audit_chain_head`;
  const headSeq = Number(head?.seq ?? 0);

  // rows that never joined the chain: written with the chain trigger disabled
  for (const r of await sql<{ id: bigint }[]>`select id from audit_events where chain_seq is null order by id limit 1000`) {
    breaks.push({ kind: 'inserted', seq: null, id: String(r.id), detail: `audit row ${r.id} is not in the hash chain: it was inserted with the chain trigger disabled` });
  }

  let expectedSeq = from;
  let expectedPrev: Buffer | null = from === 1 ? ZERO : null; // from a later start, trust the first row's prev_hash
  let lastId: string | null = null;
  let rows = 0;
  for (;;) {
    const page = await sql<ChainRow[]>`
      select chain_seq, id, prev_hash, row_hash, ${sql.unsafe(CANON)} as canon
      from audit_events where chain_seq >= ${expectedSeq} order by chain_seq limit ${batch}`;
    for (const r of page) {
      const seq = Number(r.chain_seq);
      const id = String(r.id);
      if (seq > expectedSeq) {
        breaks.push({
          kind: 'deleted',
          seq: expectedSeq,
          id: null,
          detail: `audit rows at chain positions ${expectedSeq}${seq - 1 > expectedSeq ? `–${seq - 1}` : ''} are missing (between row ${lastId ?? '(start)'} and row ${id}): deleted`,
        });
        expectedPrev = null; // the gap hides the previous hash; resynchronise on this row
      }
      const recomputed = r.prev_hash ? sha(r.prev_hash, r.canon) : null;
      if (!r.row_hash || !recomputed || !recomputed.equals(r.row_hash)) {
        breaks.push({ kind: 'edited', seq, id, detail: `audit row ${id} (chain position ${seq}) does not match its hash: its content was changed after it was written` });
      } else if (expectedPrev && !r.prev_hash!.equals(expectedPrev)) {
        breaks.push({
          kind: seq === expectedSeq && lastId !== null ? 'reordered' : 'inserted',
          seq,
          id,
          detail: `audit row ${id} (chain position ${seq}) does not follow row ${lastId ?? '(start)'}: a row was inserted, replaced or moved here`,
        });
      }
      for (const a of anchorBySeq.get(seq) ?? []) {
        anchorsChecked++;
        if (!r.row_hash || r.row_hash.toString('hex') !== a.hash) {
          breaks.push({ kind: 'anchor-mismatch', seq, id, detail: `anchor ${a.key} (written ${a.at}) recorded hash ${a.hash.slice(0, 16)}… for chain position ${seq}; the database now has ${r.row_hash?.toString('hex').slice(0, 16) ?? 'none'}…: the chain up to here was rewritten` });
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
  if (headSeq > lastSeq) {
    breaks.push({ kind: 'deleted', seq: lastSeq + 1, id: null, detail: `the chain head says ${headSeq} rows were written but the last row is at position ${lastSeq}: rows ${lastSeq + 1}–${headSeq} were deleted` });
  } else if (head && expectedPrev && headSeq === lastSeq && !head.hash.equals(expectedPrev)) {
    breaks.push({ kind: 'edited', seq: lastSeq, id: lastId, detail: 'the chain head\'s hash does not match the last row' });
  }
  for (const a of anchors) {
    if (a.seq > lastSeq && a.seq >= from) {
      breaks.push({ kind: 'truncated', seq: a.seq, id: null, detail: `anchor ${a.key} (written ${a.at}) vouches for chain position ${a.seq}, but the chain ends at ${lastSeq}: rows were deleted from the end` });
    }
  }
  breaks.sort((x, y) => (x.seq ?? Number.MAX_SAFE_INTEGER) - (y.seq ?? Number.MAX_SAFE_INTEGER));
  return {
    ok: breaks.length === 0,
    from,
    rowsChecked: rows,
    headSeq,
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
      const a = JSON.parse(Buffer.concat(parts).toString('utf8')) as { seq: number; hash: string; at: string };
      if (!Number.isSafeInteger(a.seq) || !/^[0-9a-f]{64}$/.test(a.hash)) throw new Error('not an anchor');
      out.push({ seq: a.seq, hash: a.hash, at: a.at, key: l.key });
    } catch (e) {
      breaks.push({ kind: 'anchor-unreadable', seq: null, id: null, detail: `anchor ${l.key} cannot be read: ${(e as Error).message}` });
    }
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** Writes the current chain head to the blob store, unless the last anchor already holds it. */
export async function anchorAuditChain(sql: Sql, store: BlobStore, last?: { seq: number }): Promise<AuditAnchor | null> {
  const [head] = await sql<{ seq: bigint; hash: Buffer }[]>`select seq, hash from audit_chain_head`;
  const seq = Number(head?.seq ?? 0);
  if (!head || seq === 0 || last?.seq === seq) return null;
  const at = new Date().toISOString();
  const key = `${ANCHOR_PREFIX}${String(seq).padStart(16, '0')}-${at.replace(/[-:]/g, '').replace(/\.\d+/, '')}.json`;
  const anchor = { seq, hash: head.hash.toString('hex'), at };
  await store.put(key, Readable.from([Buffer.from(JSON.stringify(anchor))]), { contentType: 'application/json' });
  return { ...anchor, key };
}

/** The service's anchoring loop (QUILL_AUDIT_ANCHOR_INTERVAL seconds); one anchor per interval per instance at most. */
export function startAuditAnchoring(sql: Sql, store: BlobStore, log: Logger, intervalSeconds: number): { stop(): Promise<void> } {
  if (intervalSeconds <= 0) return { stop: async () => undefined };
  let last: { seq: number } | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = anchorAuditChain(sql, store, last)
      .then((a) => {
        if (a) {
          last = a;
          log.info({ seq: a.seq, key: a.key }, 'audit chain anchored');
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
