// Starts a real PostgreSQL high-availability cluster on 127.0.0.1 for tests: one etcd member and three Patroni
// members of PostgreSQL 18 in synchronous mode, with WAL archiving into one shared archive.
//
//   const pg = await startPatroniCluster();
//   const sql = connect(pg.databaseUrl);            // every member, target_session_attrs=primary
//   const old = await pg.leader();
//   await old.killPostmaster();                     // SIGKILL: Patroni fails over in about 2-3 s
//   const next = await pg.waitForLeader({ not: old.name });
//   await pg.waitHealthy();                         // the old primary rejoined (pg_rewind) and streams again
//   await pg.stop();
//
// What it runs, and from where: etcd from Debian apt (`etcd-server`), Patroni from the venv cached by
// test-servers/patroni/install.sh, PostgreSQL 18 from the PyPI toolset the backup tools use (src/backup/pg-tools.ts).
// PostgreSQL refuses to run as root, so as root Patroni and PostgreSQL run as the unprivileged user install.sh
// creates (QUILL_PATRONI_USER, default quill-patroni), from copies of the venv and the toolset that user can read.
// Each Patroni member and etcd run under their own supervisor (test/support/process.ts): they die with the test
// process. Patroni starts PostgreSQL in a session of its own, so stop() and kill() also stop the postmaster by pid.
// QUILL_TEST_SERVER_LOGS=1 echoes their output.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { ensurePgTools } from '../../src/backup/pg-tools.ts';
import { archiveSettings, walArchiveDir } from '../../src/db/archive-settings.ts';
import { freePorts, spawnServer, waitUntil, type ServerProcess } from './process.ts';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INSTALL = join(REPO_ROOT, 'test-servers', 'patroni', 'install.sh');

export const APP_USER = 'quill';
export const APP_PASSWORD = 'quill-patroni-test';
export const APP_DATABASE = 'quill';
const SUPERUSER = { username: 'postgres', password: 'quill-patroni-superuser' };
const REPLICATION = { username: 'replicator', password: 'quill-patroni-replication' };
const REWIND = { username: 'rewinder', password: 'quill-patroni-rewind' };
/** The role the service's backups connect as (QUILL_BACKUP_DATABASE_URL): REPLICATION and pg_switch_wal(), nothing else. */
export const BACKUP_USER = 'quill_backup';
export const BACKUP_PASSWORD = 'quill-patroni-backup';

export interface PatroniOptions {
  /** Members (default 3). */
  members?: number;
  /** `synchronous_mode_strict` (default false: with no synchronous standby left, the primary still accepts writes). */
  strict?: boolean;
  /** Start timeout in ms (default 120000). */
  timeoutMs?: number;
}

export interface PatroniMember {
  readonly name: string;
  readonly pgPort: number;
  readonly restPort: number;
  readonly dataDir: string;
  /** Patroni's REST API, e.g. http://127.0.0.1:8008 (`/primary` answers 200 on the leader only). */
  readonly restUrl: string;
  /** true while this member's Patroni process runs. */
  running(): boolean;
  /** The postmaster's pid from postmaster.pid, if that process is alive. */
  postmasterPid(): number | null;
  /** SIGKILL to the postmaster only (Patroni survives and, with primary_start_timeout 0, fails over). Its pid. */
  killPostmaster(): number;
  /** The whole member dies: SIGKILL to Patroni and to its postmaster. */
  kill(): Promise<void>;
  /** Patroni again on the same data directory and ports (after kill() or stop()). */
  start(): Promise<void>;
  /** Patroni's graceful stop (it stops PostgreSQL: a primary hands over to the synchronous standby first). */
  stop(): Promise<void>;
}

export interface ClusterMemberState {
  name: string;
  role: string; // leader | sync_standby | replica | ...
  state: string; // running | streaming | starting | stopped | ...
  timeline?: number;
  lag?: number | string;
}

export interface PatroniCluster {
  readonly dir: string;
  readonly scope: string;
  readonly members: readonly PatroniMember[];
  readonly etcdUrl: string;
  /** The PostgreSQL 18 bin directory the members run (pg_basebackup, psql, ... of the same version). */
  readonly pgBin: string;
  /** QUILL_BACKUP_DIR for a service on this cluster: archive_command copies WAL into <backupDir>/wal. */
  readonly backupDir: string;
  readonly archiveDir: string;
  /** The application's URL: every member, `target_session_attrs=primary`, database `quill` owned by `quill`. */
  readonly databaseUrl: string;
  /** QUILL_BACKUP_DATABASE_URL: every member, as `quill_backup` (REPLICATION, EXECUTE on pg_switch_wal()). */
  readonly backupUrl: string;
  /**
   * The application's URL through one other host (an HAProxy port), also with target_session_attrs=primary: Patroni's
   * /primary answers 200 a second or more before the promoted server leaves recovery, so a balancer that checks it
   * hands out connections to a server still read-only (25006 on writes) unless the client checks too.
   */
  appUrl(port: number): string;
  /** A new database owned by the application's role, on the current leader; its application URL (every member). */
  createDatabase(name: string): Promise<string>;
  /** A superuser URL of one member (no target_session_attrs). */
  superuserUrl(member: PatroniMember, database?: string): string;
  /** The members as Patroni's /cluster sees them (from the first member whose REST API answers). */
  state(): Promise<ClusterMemberState[]>;
  /** The member whose /primary answers 200, or null. */
  leader(): Promise<PatroniMember | null>;
  /** Waits for a leader (not `not`, if given) that accepts writes; returns it. */
  waitForLeader(opts?: { not?: string; timeoutMs?: number }): Promise<PatroniMember>;
  /** Waits until every running member is up: one leader, the others streaming, a synchronous standby among them. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Planned switchover through the REST API; in synchronous mode `candidate` must be the synchronous standby. */
  switchover(candidate?: string): Promise<void>;
  /** Output of this member's Patroni (and PostgreSQL's stderr), for error messages. */
  tail(member: PatroniMember): string;
  stop(): Promise<void>;
}

/** The venv install.sh caches (never installs anything: says to run install.sh if it is missing). */
export async function patroniVenv(): Promise<string> {
  try {
    const { stdout } = await run(INSTALL, ['--check'], { env: process.env });
    return stdout.trim().split('\n').at(-1)!;
  } catch (e) {
    throw new Error(`Patroni is not installed: run test-servers/patroni/install.sh (${(e as { stderr?: string }).stderr?.trim() ?? (e as Error).message})`);
  }
}

/** true when etcd, HAProxy and the Patroni venv are installed (tests skip locally otherwise, and fail under CI). */
export async function patroniAvailable(): Promise<boolean> {
  return patroniVenv().then(() => true, () => false);
}

interface RunAs {
  user: string | null; // null: this process's own user
  uid: number;
  gid: number;
}

/** A group's id, or null when there is no such group (then the archive keeps the servers' own group). */
async function groupId(name: string): Promise<number | null> {
  try {
    return Number((await run('getent', ['group', name])).stdout.split(':')[2]);
  } catch {
    return null;
  }
}

async function runAs(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return { user: null, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  const user = process.env.QUILL_PATRONI_USER || 'quill-patroni';
  try {
    const uid = Number((await run('id', ['-u', user])).stdout.trim());
    const gid = Number((await run('id', ['-g', user])).stdout.trim());
    return { user, uid, gid };
  } catch {
    throw new Error(`no user ${user} to run PostgreSQL as (it refuses root): run test-servers/patroni/install.sh`);
  }
}

const asUser = (who: RunAs, command: string, args: string[]): [string, string[]] =>
  who.user ? ['setpriv', ['--reuid', who.user, '--regid', who.user, '--clear-groups', '--', command, ...args]] : [command, args];

/**
 * `src` itself when the run user can read it, else a copy under /tmp that it can (the cache usually lies under
 * root's 0700 home). Copies are reused while their source's mtime is unchanged, and published by rename.
 */
async function readableBy(who: RunAs, src: string, probe: string, name: string): Promise<string> {
  if (!who.user) return src;
  const [cmd, args] = asUser(who, 'test', ['-r', join(src, probe)]);
  if (await run(cmd, args).then(() => true, () => false)) return src;
  const stamp = String((await stat(src)).mtimeMs);
  const root = join(tmpdir(), 'quill-patroni-runtime');
  const dst = join(root, name);
  if (existsSync(join(dst, '.quill-source')) && readFileSync(join(dst, '.quill-source'), 'utf8') === stamp) return dst;
  await mkdir(root, { recursive: true, mode: 0o755 });
  await chmod(root, 0o755);
  const partial = `${dst}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await cp(src, partial, { recursive: true, verbatimSymlinks: true });
  await run('chmod', ['-R', 'go+rX', partial]);
  await writeFile(join(partial, '.quill-source'), stamp);
  await rm(dst, { recursive: true, force: true });
  await rename(partial, dst).catch(async (e) => {
    // another test process published the same copy first
    await rm(partial, { recursive: true, force: true });
    if (!existsSync(dst)) throw e;
  });
  return dst;
}

function memberConfig(o: {
  scope: string;
  name: string;
  dir: string;
  pgPort: number;
  restPort: number;
  etcdPort: number;
  pgBin: string;
  backupDir: string;
  strict: boolean;
}): object {
  return {
    scope: o.scope,
    name: o.name,
    log: { level: 'INFO' },
    restapi: { listen: `127.0.0.1:${o.restPort}`, connect_address: `127.0.0.1:${o.restPort}` },
    etcd3: { hosts: [`127.0.0.1:${o.etcdPort}`] },
    bootstrap: {
      dcs: {
        // measured here: SIGKILL of the primary's postmaster → a new primary accepting writes in 2-3 s
        ttl: 20,
        loop_wait: 2,
        retry_timeout: 5,
        maximum_lag_on_failover: 1048576,
        primary_start_timeout: 0, // fail over at once rather than restart a crashed primary in place
        synchronous_mode: true,
        synchronous_mode_strict: o.strict,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: {
            // the archive settings the embedded server gets (src/db/archive-settings.ts), one archive for all members;
            // `always`: standbys archive what they receive too, so the segments a crashed primary had not archived yet
            // are in the archive after a failover (with `on` a promoted standby archives only what it writes itself)
            ...archiveSettings({ dir: o.backupDir, archiveTimeoutSeconds: 60 }),
            archive_mode: 'always',
            hot_standby: 'on',
            wal_log_hints: 'on',
            max_wal_senders: 10,
            max_replication_slots: 10,
            wal_keep_size: '64MB',
            min_wal_size: '32MB',
            max_wal_size: '256MB',
            shared_buffers: '32MB',
            max_connections: 200,
          },
        },
      },
      initdb: [{ encoding: 'UTF8' }, { locale: 'C' }, 'data-checksums'],
    },
    postgresql: {
      listen: `127.0.0.1:${o.pgPort}`,
      connect_address: `127.0.0.1:${o.pgPort}`,
      data_dir: join(o.dir, 'data'),
      bin_dir: o.pgBin,
      pgpass: join(o.dir, 'pgpass'),
      // a new replica's pg_basebackup asks for an immediate checkpoint rather than wait for a spread one (90 s here)
      basebackup: [{ checkpoint: 'fast' }],
      authentication: { superuser: SUPERUSER, replication: REPLICATION, rewind: REWIND },
      parameters: { unix_socket_directories: o.dir },
      // No restore_command for the members (replication slots keep the WAL a replica needs on the primary). With
      // archive_mode=always, a standby that follows a failover archives its copy of the old timeline's last segment,
      // which ends at the switch; an old primary that then restored that segment from the archive replaced its own,
      // longer one with it, and pg_rewind could not find where the two diverged ("could not find previous WAL record"):
      // the member never rejoined (seen in the crash soak).
      pg_hba: [
        'local all all trust',
        'host all all 127.0.0.1/32 scram-sha-256',
        `host replication ${REPLICATION.username} 127.0.0.1/32 scram-sha-256`,
        `host replication ${BACKUP_USER} 127.0.0.1/32 scram-sha-256`,
      ],
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startPatroniCluster(opts: PatroniOptions = {}): Promise<PatroniCluster> {
  // A port picked as free can be taken before its server binds it: start again on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      if (attempt >= 3 || !/address already in use|could not bind|bind: /i.test((e as Error).message)) throw e;
    }
  }
}

/** Deletes the directories of clusters whose test process died without stopping them (their servers died with it). */
async function removeOrphans(): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    if (!/^quill-patroni-[A-Za-z0-9]{6}$/.test(name)) continue;
    const dir = join(tmpdir(), name);
    const owner = Number(await readFile(join(dir, 'owner.pid'), 'utf8').catch(() => '0'));
    if (owner > 0 && !alive(owner)) await rm(dir, { recursive: true, force: true });
  }
}

async function startOnce(opts: PatroniOptions): Promise<PatroniCluster> {
  const count = opts.members ?? 3;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const venv = await patroniVenv();
  const who = await runAs();
  const pgTools = await ensurePgTools();
  const pgRoot = await readableBy(who, join(pgTools, '..'), 'bin/postgres', `postgresql-${pgTools.split('/').at(-2)}`);
  const pgBin = join(pgRoot, 'bin');
  const venvRun = await readableBy(who, venv, 'pyvenv.cfg', `patroni-venv-${venv.split('/').at(-2)}`);
  const python = join(venvRun, 'bin', 'python');

  await removeOrphans();
  const dir = await mkdtemp(join(tmpdir(), 'quill-patroni-'));
  await chmod(dir, 0o755);
  await writeFile(join(dir, 'owner.pid'), String(process.pid));
  const scope = `quill-${dir.slice(-6).toLowerCase()}`;
  const [etcdPort, etcdPeer, ...ports] = await freePorts(2 + 2 * count);
  const backupDir = join(dir, 'backup');
  const archiveDir = walArchiveDir({ dir: backupDir });
  await mkdir(archiveDir, { recursive: true, mode: 0o700 });
  // As documented for a deployment (docs/backups.md): the archive belongs to the servers' user, with a group shared by
  // whoever else must read it — here 'postgres', the user a restore's server runs as when tests run as root — and the
  // setgid bit, so every archived file (mode 0640 from the archive_command) carries that group.
  const readers = who.user ? await groupId('postgres') : null;
  await chown(backupDir, who.uid, who.gid);
  await chmod(backupDir, 0o755);
  await chown(archiveDir, who.uid, readers ?? who.gid);
  await chmod(archiveDir, readers !== null ? 0o2770 : 0o700);

  const procs: ServerProcess[] = [];
  const members: (PatroniMember & { proc: ServerProcess | null; last: ServerProcess | null })[] = [];
  const stopAll = async () => {
    await Promise.all(members.map((m) => m.stop().catch(() => m.kill())));
    await Promise.all(procs.map((p) => p.stop(5000)));
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const etcdDir = join(dir, 'etcd');
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcd = spawnServer('etcd', 'etcd', [
      '--name', 'quill-etcd',
      '--data-dir', etcdDir,
      '--listen-client-urls', etcdUrl,
      '--advertise-client-urls', etcdUrl,
      '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster', `quill-etcd=http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster-state', 'new',
      '--log-level', 'warn',
    ], { cwd: dir });
    procs.push(etcd);
    await waitUntil(etcd, 'etcd', async () => ((await getJson(`${etcdUrl}/health`)).body as { health?: string }).health === 'true', timeoutMs, 200);

    const env = { ...process.env, LD_LIBRARY_PATH: join(pgRoot, 'lib'), PATH: `${pgBin}:${process.env.PATH}`, HOME: dir };
    for (let i = 0; i < count; i++) {
      const name = `pg${i}`;
      const mdir = join(dir, name);
      const pgPort = ports[2 * i]!;
      const restPort = ports[2 * i + 1]!;
      await mkdir(mdir, { mode: 0o700 });
      await chown(mdir, who.uid, who.gid);
      const config = join(mdir, 'patroni.yml');
      // JSON is YAML
      await writeFile(config, JSON.stringify(memberConfig({ scope, name, dir: mdir, pgPort, restPort, etcdPort: etcdPort!, pgBin, backupDir, strict: opts.strict ?? false }), null, 2), { mode: 0o600 });
      await chown(config, who.uid, who.gid);
      const restUrl = `http://127.0.0.1:${restPort}`;
      const dataDir = join(mdir, 'data');
      const m: PatroniMember & { proc: ServerProcess | null; last: ServerProcess | null } = {
        name,
        pgPort,
        restPort,
        dataDir,
        restUrl,
        proc: null,
        last: null,
        running: () => m.proc !== null && m.proc.child.exitCode === null && m.proc.child.signalCode === null,
        postmasterPid() {
          try {
            const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
            return pid > 0 && alive(pid) ? pid : null;
          } catch {
            return null;
          }
        },
        killPostmaster() {
          const pid = m.postmasterPid();
          if (pid === null) throw new Error(`${name}: no running postmaster`);
          process.kill(pid, 'SIGKILL');
          return pid;
        },
        async kill() {
          const p = m.proc;
          const pid = m.postmasterPid();
          m.proc = null;
          if (p) {
            try {
              process.kill(-p.child.pid!, 'SIGKILL');
            } catch {
              /* gone */
            }
            await p.stop(0);
          }
          if (pid !== null) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              /* gone */
            }
            // its backends notice the postmaster's death and exit; the data directory is free once they have
            const deadline = Date.now() + 10_000;
            while (alive(pid) && Date.now() < deadline) await sleep(50);
          }
        },
        async start() {
          if (m.running()) return;
          const [cmd, args] = asUser(who, python, ['-m', 'patroni', config]);
          m.proc = m.last = spawnServer(`patroni-${name}`, cmd, args, { cwd: mdir, env });
          await waitUntil(m.proc, `${name}'s REST API`, async () => (await getJson(`${restUrl}/liveness`)).status === 200, timeoutMs, 200);
        },
        async stop() {
          const p = m.proc;
          m.proc = null;
          if (p) await p.stop(30_000);
          const pid = m.postmasterPid();
          if (pid !== null) {
            // Patroni was killed before it could stop PostgreSQL: a fast shutdown, then SIGKILL
            try {
              process.kill(pid, 'SIGINT');
            } catch {
              /* gone */
            }
            const deadline = Date.now() + 10_000;
            while (alive(pid) && Date.now() < deadline) await sleep(50);
            if (alive(pid)) process.kill(pid, 'SIGKILL');
          }
        },
      };
      members.push(m);
    }

    const state = async (): Promise<ClusterMemberState[]> => {
      let last: unknown;
      for (const m of members) {
        try {
          const { status, body } = await getJson(`${m.restUrl}/cluster`);
          if (status === 200) return (body as { members: ClusterMemberState[] }).members;
        } catch (e) {
          last = e;
        }
      }
      throw new Error(`no Patroni REST API answered /cluster: ${(last as Error)?.message}`);
    };
    const leader = async (): Promise<PatroniMember | null> => {
      for (const m of members) {
        const ok = await getJson(`${m.restUrl}/primary`).then((r) => r.status === 200, () => false);
        if (ok) return m;
      }
      return null;
    };
    const superuserUrl = (m: PatroniMember, database = 'postgres') =>
      `postgres://${SUPERUSER.username}:${SUPERUSER.password}@127.0.0.1:${m.pgPort}/${database}`;
    const anyProc = () => members.find((m) => m.proc)?.proc ?? etcd;
    const waitForLeader = async (o: { not?: string; timeoutMs?: number } = {}): Promise<PatroniMember> => {
      let found: PatroniMember | null = null;
      await waitUntil(anyProc(), `a leader${o.not ? ` other than ${o.not}` : ''}`, async () => {
        const l = await leader();
        if (!l || l.name === o.not) return false;
        const sql = postgres(superuserUrl(l), { max: 1, connect_timeout: 2, onnotice: () => undefined });
        try {
          const [row] = await sql<{ ro: boolean }[]>`select pg_is_in_recovery() as ro`;
          if (row!.ro) return false;
        } finally {
          await sql.end({ timeout: 1 });
        }
        found = l;
        return true;
      }, o.timeoutMs ?? timeoutMs, 200);
      return found!;
    };
    const waitHealthy = async (t = timeoutMs): Promise<void> => {
      await waitUntil(anyProc(), 'a healthy cluster (a leader, every running member streaming, a synchronous standby)', async () => {
        const s = await state();
        const up = members.filter((m) => m.running()).map((m) => m.name);
        const mine = s.filter((x) => up.includes(x.name));
        if (mine.length !== up.length) return false;
        const leaders = mine.filter((x) => x.role === 'leader' && x.state === 'running');
        const standbys = mine.filter((x) => x.role !== 'leader');
        return leaders.length === 1 && standbys.every((x) => x.state === 'streaming') && (standbys.length === 0 || standbys.some((x) => x.role === 'sync_standby'));
      }, t, 250);
    };
    const switchover = async (candidate?: string): Promise<void> => {
      const l = await leader();
      if (!l) throw new Error('switchover: no leader');
      const res = await fetch(`${l.restUrl}/switchover`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ leader: l.name, ...(candidate ? { candidate } : {}) }),
        signal: AbortSignal.timeout(60_000),
      });
      if (!res.ok) throw new Error(`switchover ${l.name} → ${candidate ?? 'any'}: HTTP ${res.status} ${await res.text()}`);
    };

    for (const m of members) await m.start();
    const first = await waitForLeader();
    // The application's role and database (Patroni 4 no longer creates users at bootstrap)
    const admin = postgres(superuserUrl(first), { max: 1, onnotice: () => undefined });
    try {
      await admin.unsafe(`create role ${APP_USER} login password '${APP_PASSWORD}'`);
      await admin.unsafe(`create database ${APP_DATABASE} owner ${APP_USER}`);
      await admin.unsafe(`create role ${BACKUP_USER} login replication password '${BACKUP_PASSWORD}'`);
    } finally {
      await admin.end({ timeout: 1 });
    }
    // function privileges are per database: granted where the backup role connects
    const inApp = postgres(superuserUrl(first, APP_DATABASE), { max: 1, onnotice: () => undefined });
    try {
      await inApp.unsafe(`grant execute on function pg_switch_wal() to ${BACKUP_USER}`);
    } finally {
      await inApp.end({ timeout: 1 });
    }
    await waitHealthy();

    const hosts = members.map((m) => `127.0.0.1:${m.pgPort}`).join(',');
    return {
      dir,
      scope,
      members,
      etcdUrl,
      pgBin,
      backupDir,
      archiveDir,
      databaseUrl: `postgres://${APP_USER}:${APP_PASSWORD}@${hosts}/${APP_DATABASE}?target_session_attrs=primary`,
      backupUrl: `postgres://${BACKUP_USER}:${BACKUP_PASSWORD}@${hosts}/${APP_DATABASE}?target_session_attrs=primary`,
      appUrl: (port) => `postgres://${APP_USER}:${APP_PASSWORD}@127.0.0.1:${port}/${APP_DATABASE}?target_session_attrs=primary`,
      superuserUrl,
      createDatabase: async (name) => {
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
        const l = await waitForLeader();
        const su = postgres(superuserUrl(l), { max: 1, onnotice: () => undefined });
        try {
          await su.unsafe(`create database ${name} owner ${APP_USER}`);
        } finally {
          await su.end({ timeout: 1 });
        }
        return `postgres://${APP_USER}:${APP_PASSWORD}@${hosts}/${name}?target_session_attrs=primary`;
      },
      state,
      leader,
      waitForLeader,
      waitHealthy,
      switchover,
      tail: (m) => (m as (typeof members)[number]).last?.tail() ?? '',
      stop: stopAll,
    };
  } catch (e) {
    const tails = members.map((m) => `--- ${m.name}\n${m.last?.tail() ?? ''}`).join('\n');
    await stopAll().catch(() => undefined);
    throw Object.assign(new Error(`${(e as Error).message}\n${tails}`), { cause: e });
  }
}

/**
 * One row of a failover load, answered by the server that wrote it (its port): even workers write in a two-statement
 * transaction (the driver's failover crash was sql.begin()'s own ROLLBACK), odd ones a single statement.
 */
export async function writeRow(sql: postgres.Sql<{}>, table: string, worker: number, n: number): Promise<number> {
  if (worker % 2 === 1) return (await sql<{ port: number }[]>`insert into ${sql(table)} values (${worker}, ${n}) returning inet_server_port() as port`)[0]!.port;
  return sql.begin(async (tx) => {
    const [row] = await tx<{ port: number }[]>`insert into ${tx(table)} values (${worker}, ${n}) returning inet_server_port() as port`;
    await tx`select pg_sleep(0.002)`;
    return row!.port;
  });
}
