// The crash soak (issue 21): service instances (separate processes, test/support/instances.ts) on a 3-member Patroni
// cluster (test/support/patroni.ts) and one encrypted fs store, under mixed load — raw, multipart and tus uploads, new
// versions, downloads — while a service instance or the PostgreSQL primary is SIGKILLed at random instants, `crashes`
// times. After each crash (the load paused, the killed part back): every document and version acknowledged since the
// last check, and a sample of older ones, reads back through the service with its SHA-256; `reconcile --grace 0`
// (in-process) runs, the tus uploads a crash left unfinished are resumed, and a second reconcile must find nothing
// (no stale intent, no orphan, no version without its bytes; an orphan it removes is named); no intent is left
// pending, no bytes are shared by two versions, no resumable upload committed twice; the audit chain verifies (from the
// last check on, all of it at the end).
//
// The clients talk to the instances directly (round robin over those running): a killed instance's requests end in a
// cut connection, which is counted ("cut"), not as an error. Every answer with a status of 500 or more other than 503
// (and every 503 that is not problem+json with Retry-After) is a server error: there must be none.
//
// bench/crash-soak.ts runs it from the command line (npm run bench:crash-soak), test/ha/crash-soak.test.ts in CI.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type postgres from 'postgres';
import { verifyAuditChain } from '../../src/audit/audit-chain.ts';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { createLogger, openStores } from '../../src/bootstrap.ts';
import { loadConfig } from '../../src/config/config.ts';
import { connect } from '../../src/db/sql.ts';
import type { BlobStore } from '../../src/domain/ports.ts';
import { reconcile, type ReconcileReport } from '../../src/jobs/reconcile.ts';
import { DISCHARGE, PATIENT, sha256 } from './fixtures.ts';
import { startInstances, type Instance } from './instances.ts';
import { startPatroniCluster, type PatroniCluster } from './patroni.ts';

export interface SoakOptions {
  crashes: number;
  /** Service instances (default 3). */
  instances?: number;
  /** Concurrent clients (default 6). */
  clients?: number;
  /** Share of the crashes that kill the PostgreSQL primary's postmaster rather than a service instance (default 0.35). */
  primaryShare?: number;
  /** How long the load runs before each kill, picked at random in this range (ms; default 500–3000). */
  windowMs?: [number, number];
  /** A progress line per crash. */
  log?: (line: string) => void;
  /** Reuse a running cluster (it is left running). */
  cluster?: PatroniCluster;
}

export interface SoakReport {
  crashes: number;
  instanceKills: number;
  primaryKills: number;
  /** Acknowledged uploads (201, or the tus commit's 204 with the document) and new versions. */
  acknowledged: number;
  acknowledgedByKind: Record<string, number>;
  /** Acknowledged documents or versions that did not read back (status or SHA-256): must be none. */
  lost: string[];
  /** Answers with a 5xx other than a proper 503 (problem+json with Retry-After): must be none. */
  serverErrors: string[];
  /** Client errors (4xx) nobody asked for: must be none. */
  unexpected: string[];
  refused503: number;
  /** Requests whose connection a killed instance cut. */
  cut: number;
  downloads: number;
  /** tus uploads a crash interrupted that were resumed and finished at the next check. */
  tusResumed: number;
  /** Resumes answered 409 with Retry-After: the writer lease of a PATCH the crash killed had not run out yet. */
  waitedForLease: number;
  /** What the first reconcile after each crash cleared, summed. */
  reconciled: { staleIntents: number; orphansRemoved: number; cutCommitsClosed: number; commitClaimsReleased: number };
  /** Anything the second reconcile after a crash still found, or a consistency check that failed: must be none. */
  inconsistencies: string[];
  auditRowsVerified: number;
  auditBreaks: string[];
  /** Per primary kill: from the kill until a write on the new primary succeeds (Patroni's failover). */
  failoverMs: number[];
  /** Per instance kill: from the kill until the restarted instance is ready. */
  restartMs: number[];
  elapsedMs: number;
}

interface Acked {
  id: string;
  versions: Map<number, string>;
}

type Kind = 'raw' | 'multipart' | 'tus' | 'version' | 'download';
const KINDS: [Kind, number][] = [['raw', 0.22], ['multipart', 0.22], ['tus', 0.18], ['version', 0.18], ['download', 0.2]];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = ([a, b]: [number, number]) => a + Math.random() * (b - a);
const pdf = (n: number) => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(n)]);
const b64 = (v: string) => Buffer.from(v).toString('base64');

class Cut extends Error {}

export async function runCrashSoak(o: SoakOptions): Promise<SoakReport> {
  const t0 = Date.now();
  const log = o.log ?? (() => undefined);
  const pg = o.cluster ?? (await startPatroniCluster());
  const work = await mkdtemp(path.join(os.tmpdir(), 'quill-soak-'));
  const secret = randomBytes(32).toString('base64url');
  // a database of its own: reconcile and the checks see the soak's documents only
  const databaseUrl = await pg.createDatabase(`quill_soak_${randomBytes(4).toString('hex')}`);
  const shared: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    QUILL_FS_DIR: path.join(work, 'blobs'),
    QUILL_FS_KEK: randomBytes(32).toString('base64url'),
    QUILL_URL_SIGNING_KEY: randomBytes(32).toString('base64url'),
    QUILL_JWT_SECRET: secret,
    QUILL_BACKUP_SCHEDULE: 'false',
    QUILL_SCRUB_RATE: '0',
    QUILL_SHUTDOWN_GRACE_S: '0',
    LOG_LEVEL: 'warn',
  };
  for (const k of ['QUILL_CONFIG_FILE', 'QUILL_FHIR_URL', 'QUILL_CLAMD_URL', 'QUILL_BLOB_STORE']) delete shared[k];
  const report: SoakReport = {
    crashes: 0,
    instanceKills: 0,
    primaryKills: 0,
    acknowledged: 0,
    acknowledgedByKind: {},
    lost: [],
    serverErrors: [],
    unexpected: [],
    refused503: 0,
    cut: 0,
    downloads: 0,
    tusResumed: 0,
    waitedForLease: 0,
    reconciled: { staleIntents: 0, orphansRemoved: 0, cutCommitsClosed: 0, commitClaimsReleased: 0 },
    inconsistencies: [],
    auditRowsVerified: 0,
    auditBreaks: [],
    failoverMs: [],
    restartMs: [],
    elapsedMs: 0,
  };
  let instances: Instance[] = [];
  let sql: postgres.Sql | null = null;
  try {
    instances = await startInstances(o.instances ?? 3, (name) => ({ ...shared, QUILL_DATA_DIR: path.join(work, name) }));
    const cfg = loadConfig({ ...shared, QUILL_DATA_DIR: path.join(work, 'checker'), HOST: '127.0.0.1', PORT: '0' });
    const store: BlobStore = (await openStores(cfg)).live;
    sql = connect(databaseUrl, { timeoutMs: 10_000, max: 4 });
    const token = await mintDevToken(Buffer.from(secret), cfg.jwt, { sub: 'soak', roles: ['clinician'] });
    const auth = { authorization: `Bearer ${token}` };

    const acked = new Map<string, Acked>();
    const ackedIds: string[] = [];
    let sinceCheck: { id: string; version: number }[] = [];
    const pendingTus: { url: string; body: Buffer; title: string }[] = [];
    const tusTitles = new Set<string>();
    let rr = 0;

    const running = () => instances.filter((i) => i.ready());
    const pickInstance = (): Instance | null => {
      const up = running();
      return up.length ? up[rr++ % up.length]! : null;
    };
    const ack = (kind: Kind, id: string, version: number, sha: string) => {
      let a = acked.get(id);
      if (!a) {
        a = { id, versions: new Map() };
        acked.set(id, a);
        ackedIds.push(id);
      }
      a.versions.set(version, sha);
      sinceCheck.push({ id, version });
      report.acknowledged++;
      report.acknowledgedByKind[kind] = (report.acknowledgedByKind[kind] ?? 0) + 1;
    };
    /** Sorts an answer that is not the success wanted: a proper 503, a server error, or an unexpected refusal. */
    const refusal = async (what: string, res: Response): Promise<void> => {
      const text = await res.text().catch(() => '');
      const proper503 = res.status === 503 && (res.headers.get('content-type') ?? '').startsWith('application/problem+json') && Number(res.headers.get('retry-after')) > 0;
      if (proper503) report.refused503++;
      else if (res.status >= 500) report.serverErrors.push(`${what}: ${res.status} ${text.slice(0, 300)}`);
      else report.unexpected.push(`${what}: ${res.status} ${text.slice(0, 300)}`);
    };
    const call = async (base: string, p: string, init: RequestInit = {}): Promise<Response> => {
      try {
        return await fetch(`${base}${p}`, { ...init, signal: AbortSignal.timeout(60_000) });
      } catch (e) {
        throw new Cut((e as Error).message);
      }
    };

    const randomAcked = (): Acked | null => (ackedIds.length ? acked.get(ackedIds[Math.floor(Math.random() * ackedIds.length)]!)! : null);

    /** tus: create, two PATCHes (each above any minimum PATCH size), the second commits. */
    const tusUpload = async (base: string, title: string): Promise<void> => {
      const body = pdf(600_000 + Math.floor(Math.random() * 300_000));
      const tus = { ...auth, 'tus-resumable': '1.0.0' };
      const created = await call(base, '/v1/uploads', {
        method: 'POST',
        headers: { ...tus, 'upload-length': String(body.length), 'upload-metadata': `patient ${b64(PATIENT)},type ${b64(DISCHARGE)},title ${b64(title)},filetype ${b64('application/pdf')},filename ${b64('soak.pdf')}` },
      });
      if (created.status !== 201) return refusal('tus create', created);
      await created.arrayBuffer();
      tusTitles.add(title);
      const url = new URL(created.headers.get('location')!, base).pathname;
      const half = Math.floor(body.length / 2);
      try {
        for (const [offset, part] of [[0, body.subarray(0, half)], [half, body.subarray(half)]] as const) {
          const res = await call(base, url, { method: 'PATCH', headers: { ...tus, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) }, body: new Uint8Array(part) });
          if (res.status !== 204) {
            await refusal('tus patch', res);
            pendingTus.push({ url, body, title });
            return;
          }
          await res.arrayBuffer();
          const id = res.headers.get('quill-document-id');
          if (offset === half) {
            if (id) ack('tus', id, Number(res.headers.get('quill-document-version')), sha256(body));
            else report.unexpected.push('tus: the last PATCH answered 204 without Quill-Document-Id');
          }
        }
      } catch (e) {
        pendingTus.push({ url, body, title });
        throw e;
      }
    };

    /** A tus upload a crash interrupted: where it stands (HEAD), the rest sent, or the commit retried; true when done. */
    const resumeTus = async (t: { url: string; body: Buffer; title: string }): Promise<boolean> => {
      const base = pickInstance()?.base;
      if (!base) return false;
      const tus = { ...auth, 'tus-resumable': '1.0.0' };
      const head = await call(base, t.url, { method: 'HEAD', headers: tus });
      if (head.status !== 200) {
        await refusal('tus resume HEAD', head);
        return false;
      }
      const id = head.headers.get('quill-document-id');
      if (id) {
        ack('tus', id, Number(head.headers.get('quill-document-version')), sha256(t.body));
        return true;
      }
      const offset = Number(head.headers.get('upload-offset'));
      const res = await call(base, t.url, { method: 'PATCH', headers: { ...tus, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) }, body: new Uint8Array(t.body.subarray(offset)) });
      if (res.status === 409 && Number(res.headers.get('retry-after')) > 0) {
        // the writer lease of the PATCH the crash killed has not run out yet: wait as told, then resume (what a tus
        // client does with a 409); the upload must still be finished below, or it is an inconsistency
        const p = (await res.json()) as { code?: string };
        if (p.code !== 'upload_offset_conflict') report.unexpected.push(`tus resume PATCH: 409 ${p.code}`);
        report.waitedForLease++;
        await sleep(Number(res.headers.get('retry-after')) * 1000);
        return false;
      }
      if (res.status !== 204) {
        await refusal('tus resume PATCH', res);
        return false;
      }
      const done = res.headers.get('quill-document-id');
      if (!done) return false;
      ack('tus', done, Number(res.headers.get('quill-document-version')), sha256(t.body));
      return true;
    };

    const operation = async (client: number, n: string): Promise<void> => {
      const inst = pickInstance();
      if (!inst) return void (await sleep(100));
      const base = inst.base;
      let r = Math.random();
      let kind: Kind = 'raw';
      for (const [k, share] of KINDS) {
        kind = k;
        if ((r -= share) < 0) break;
      }
      if ((kind === 'version' || kind === 'download') && !acked.size) kind = 'raw';
      try {
        if (kind === 'raw') {
          const body = pdf(20_000 + Math.floor(Math.random() * 200_000));
          const q = new URLSearchParams({ patient: PATIENT, type: DISCHARGE, title: `soak raw ${client}/${n}` });
          const res = await call(base, `/v1/documents?${q}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/pdf' }, body: new Uint8Array(body) });
          if (res.status === 201) {
            const j = (await res.json()) as { id: string; currentVersion: number };
            ack(kind, j.id, j.currentVersion, sha256(body));
          } else await refusal(kind, res);
        } else if (kind === 'multipart') {
          const body = pdf(20_000 + Math.floor(Math.random() * 200_000));
          const form = new FormData();
          form.set('patient', PATIENT);
          form.set('type', DISCHARGE);
          form.set('title', `soak multipart ${client}/${n}`);
          form.set('file', new Blob([new Uint8Array(body)], { type: 'application/pdf' }), 'soak.pdf');
          const res = await call(base, '/v1/documents', { method: 'POST', headers: auth, body: form });
          if (res.status === 201) {
            const j = (await res.json()) as { id: string; currentVersion: number };
            ack(kind, j.id, j.currentVersion, sha256(body));
          } else await refusal(kind, res);
        } else if (kind === 'tus') {
          await tusUpload(base, `soak tus ${client}/${n}`);
        } else if (kind === 'version') {
          const doc = randomAcked()!;
          const body = pdf(20_000 + Math.floor(Math.random() * 100_000));
          const res = await call(base, `/v1/documents/${doc.id}/versions`, { method: 'POST', headers: { ...auth, 'content-type': 'application/pdf' }, body: new Uint8Array(body) });
          if (res.status === 201) {
            const j = (await res.json()) as { id: string; currentVersion: number };
            ack(kind, j.id, j.currentVersion, sha256(body));
          } else await refusal(kind, res);
        } else {
          const doc = randomAcked()!;
          const [version, want] = [...doc.versions].at(Math.floor(Math.random() * doc.versions.size))!;
          const res = await call(base, `/v1/documents/${doc.id}/content?version=${version}`, { headers: auth });
          if (res.status === 200) {
            const got = sha256(new Uint8Array(await res.arrayBuffer()));
            report.downloads++;
            if (got !== want) report.lost.push(`${doc.id} v${version}: downloaded bytes hash to ${got}, acknowledged ${want}`);
          } else if (res.status === 404) report.lost.push(`${doc.id} v${version}: download answered 404`);
          else await refusal(kind, res);
        }
      } catch (e) {
        // a body the kill cut while it was being read: undici's TypeError 'terminated' (cause: other side closed)
        if (e instanceof Cut || (e instanceof TypeError && e.message === 'terminated')) report.cut++;
        else throw e;
      }
    };

    // the load: each client runs operations until paused; pause() waits for the ones in flight
    let paused = false;
    let loops: Promise<void>[] = [];
    const resume = () => {
      paused = false;
      loops = Array.from({ length: o.clients ?? 6 }, async (_, c) => {
        for (let n = 0; !paused; n++) await operation(c, `${Date.now().toString(36)}-${n}`);
      });
    };
    const pause = async () => {
      paused = true;
      await Promise.all(loops);
    };

    let auditFrom = 1;
    const check = async (final: boolean) => {
      // 1. what was acknowledged since the last check, and a sample of older acknowledgements, reads back intact
      const older = [...acked.values()].sort(() => Math.random() - 0.5).slice(0, final ? acked.size : 30).flatMap((a) => [...a.versions.keys()].map((version) => ({ id: a.id, version })));
      const queue = [...sinceCheck, ...older];
      const readBack = async ({ id, version }: { id: string; version: number }) => {
        const want = acked.get(id)!.versions.get(version)!;
        let outcome = '';
        // a read may still meet the pool reconnecting after a failover: a 503 or a cut connection is asked again
        for (let attempt = 0; attempt < 20; attempt++) {
          const res = await call(pickInstance()!.base, `/v1/documents/${id}/content?version=${version}`, { headers: auth }).catch((e: Error) => e);
          if (res instanceof Error || res.status === 503) {
            outcome = res instanceof Error ? res.message : '503';
            await sleep(250);
            continue;
          }
          if (res.status !== 200) outcome = `${res.status} ${(await res.text()).slice(0, 200)}`;
          else {
            const got = sha256(new Uint8Array(await res.arrayBuffer()));
            outcome = got === want ? 'ok' : `reads back as ${got}, acknowledged ${want}`;
          }
          break;
        }
        if (outcome !== 'ok') report.lost.push(`${id} v${version}: ${outcome} (check after crash ${report.crashes})`);
      };
      await Promise.all(Array.from({ length: 4 }, async () => {
        for (let item = queue.shift(); item; item = queue.shift()) await readBack(item);
      }));
      sinceCheck = [];
      // 2. reconcile clears what the crash left; the tus uploads it interrupted are finished; a second run finds nothing
      const quiet = createLogger('silent');
      const first = await reconcile(sql!, store, quiet, { graceSeconds: 0, keepUnreferencedSeconds: 0 });
      report.reconciled.staleIntents += first.staleIntents;
      report.reconciled.orphansRemoved += first.orphansRemoved;
      report.reconciled.cutCommitsClosed += first.cutCommitsClosed ?? 0;
      report.reconciled.commitClaimsReleased += first.commitClaimsReleased ?? 0;
      const problems = (r: ReconcileReport) => [
        ...r.errors,
        ...r.missingBlobs.map((m) => `version ${m.documentId} v${m.version} points at missing bytes ${m.key}`),
      ];
      report.inconsistencies.push(...problems(first).map((p) => `crash ${report.crashes}, first reconcile: ${p}`));
      for (const t of pendingTus.splice(0)) {
        let done = false;
        for (let attempt = 0; attempt < 10 && !done; attempt++) {
          done = await resumeTus(t).catch(() => false);
          if (!done) await sleep(500);
        }
        if (done) report.tusResumed++;
        else report.inconsistencies.push(`crash ${report.crashes}: the tus upload ${t.url} (${t.title}) could not be finished`);
      }
      // the second run's removals are named, so that a failure says which object was left behind
      const removed: string[] = [];
      const naming = pino({ level: 'info' }, {
        write: (line: string) => {
          const entry = JSON.parse(line) as { msg?: string; key?: string };
          if (entry.msg === 'removed orphan object' && entry.key) removed.push(entry.key);
        },
      });
      const second = await reconcile(sql!, store, naming, { graceSeconds: 0, keepUnreferencedSeconds: 0 });
      const left = [
        ...problems(second),
        ...(second.staleIntents ? [`${second.staleIntents} stale intent(s)`] : []),
        ...(second.orphansRemoved ? [`${second.orphansRemoved} orphan(s): ${removed.join(', ')}`] : []),
        ...(second.cutCommitsClosed ? [`${second.cutCommitsClosed} cut commit(s)`] : []),
        ...(second.commitClaimsReleased ? [`${second.commitClaimsReleased} stuck commit claim(s)`] : []),
      ];
      report.inconsistencies.push(...left.map((p) => `crash ${report.crashes}, second reconcile: ${p}`));
      // 3. nothing pending, no bytes counted twice, no upload committed twice
      const [facts] = await sql!<{ pending: number; shared: number; twice: number; stuck: number }[]>`
        select (select count(*)::int from upload_intents where state <> 'committed') as pending,
               (select count(*)::int from (select 1 from document_versions group by blob_store, blob_key having count(*) > 1) x) as shared,
               (select count(*)::int from (select 1 from upload_intents where state = 'committed' and resumable_upload_id is not null group by resumable_upload_id having count(*) > 1) y) as twice,
               (select count(*)::int from resumable_uploads where state = 'receiving' and upload_offset = upload_length) as stuck`;
      if (facts!.pending) report.inconsistencies.push(`crash ${report.crashes}: ${facts!.pending} intent(s) not committed after reconcile`);
      if (facts!.shared) report.inconsistencies.push(`crash ${report.crashes}: ${facts!.shared} blob key(s) shared by several versions`);
      if (facts!.twice) report.inconsistencies.push(`crash ${report.crashes}: ${facts!.twice} resumable upload(s) committed twice`);
      if (facts!.stuck) report.inconsistencies.push(`crash ${report.crashes}: ${facts!.stuck} fully received resumable upload(s) left open`);
      const dup = await sql!<{ title: string; n: number }[]>`select title, count(*)::int as n from documents where title = any(${[...tusTitles]}) group by title having count(*) > 1`;
      for (const d of dup) report.inconsistencies.push(`crash ${report.crashes}: the tus upload "${d.title}" became ${d.n} documents`);
      // 4. the audit chain (from the last check's heads on; all of it at the end)
      const audit = await verifyAuditChain(sql!, store, { from: final ? 1 : auditFrom });
      report.auditRowsVerified += audit.rowsChecked;
      report.auditBreaks.push(...audit.breaks.map((b) => `${b.kind} lane ${b.lane} seq ${b.seq}: ${b.detail}`));
      const heads = await sql!<{ seq: bigint }[]>`select seq from audit_chain_head`;
      auditFrom = Math.max(1, Math.min(...heads.map((h) => Number(h.seq))));
    };

    let restarting: Promise<number> | null = null;
    resume();
    for (let k = 1; k <= o.crashes; k++) {
      await sleep(between(o.windowMs ?? [500, 3000]));
      const primary = Math.random() < (o.primaryShare ?? 0.35);
      const started = Date.now();
      if (primary) {
        // the primary killed last time has rejoined (pg_rewind) and a synchronous standby is named again
        await pg.waitHealthy(180_000);
        const old = await pg.leader();
        if (!old) throw new Error('no leader before a primary kill');
        old.killPostmaster();
        await pg.waitForLeader({ not: old.name, timeoutMs: 120_000 });
        // the failover as the service sees it: a write through the service's own pool code succeeds
        for (;;) {
          try {
            await sql`select pg_current_xact_id()`; // assigns a transaction id: refused by a server in recovery
            break;
          } catch {
            await sleep(50);
          }
        }
        report.failoverMs.push(Date.now() - started);
        report.primaryKills++;
      } else {
        const up = running();
        const victim = up[Math.floor(Math.random() * up.length)]!;
        await victim.kill();
        // it comes back while the others carry the load and the checks run through them
        restarting = victim.start().then((ms) => {
          report.restartMs.push(Date.now() - started);
          return ms;
        });
        report.instanceKills++;
      }
      report.crashes = k;
      await pause();
      const checked = Date.now();
      await check(k === o.crashes);
      await restarting;
      restarting = null;
      log(
        `crash ${k}/${o.crashes} (${primary ? `primary, failover ${report.failoverMs.at(-1)} ms` : `instance, back in ${report.restartMs.at(-1) ?? '?'} ms`}; checks ${Date.now() - checked} ms): acknowledged ${report.acknowledged}, lost ${report.lost.length}, 5xx other than 503 ${report.serverErrors.length}, 503 ${report.refused503}, cut ${report.cut}, inconsistencies ${report.inconsistencies.length}, audit breaks ${report.auditBreaks.length}`,
      );
      if (k < o.crashes) resume();
    }
  } finally {
    await sql?.end({ timeout: 5 }).catch(() => undefined);
    await Promise.all(instances.map((i) => i.stop(20_000).catch(() => undefined)));
    if (!o.cluster) await pg.stop();
    await rm(work, { recursive: true, force: true });
  }
  report.elapsedMs = Date.now() - t0;
  return report;
}

/** The counts the issue asks for, one per line. */
export function formatSoak(r: SoakReport): string {
  const stat = (xs: number[]) => (xs.length ? `median ${[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]} ms, max ${Math.max(...xs)} ms` : '-');
  return [
    `crashes:              ${r.crashes} (${r.instanceKills} service instances, ${r.primaryKills} PostgreSQL primaries)`,
    `acknowledged:         ${r.acknowledged} (${Object.entries(r.acknowledgedByKind).map(([k, n]) => `${k} ${n}`).join(', ')})`,
    `lost:                 ${r.lost.length}`,
    `5xx other than 503:   ${r.serverErrors.length}`,
    `unexpected 4xx:       ${r.unexpected.length}`,
    `503 (Retry-After):    ${r.refused503}`,
    `cut by a kill:        ${r.cut}`,
    `downloads verified:   ${r.downloads}`,
    `tus resumed:          ${r.tusResumed} (${r.waitedForLease} waited for a killed PATCH's writer lease)`,
    `reconciled:           ${r.reconciled.staleIntents} stale intents, ${r.reconciled.orphansRemoved} orphans, ${r.reconciled.cutCommitsClosed} cut tus commits closed, ${r.reconciled.commitClaimsReleased} commit claims released`,
    `inconsistencies:      ${r.inconsistencies.length}`,
    `audit:                ${r.auditRowsVerified} rows verified, ${r.auditBreaks.length} breaks`,
    `failover:             ${stat(r.failoverMs)}`,
    `instance restart:     ${stat(r.restartMs)}`,
    `elapsed:              ${Math.round(r.elapsedMs / 1000)} s`,
    ...[...r.lost, ...r.serverErrors, ...r.unexpected, ...r.inconsistencies, ...r.auditBreaks].slice(0, 20).map((l) => `  ! ${l}`),
  ].join('\n');
}
