// Stopping the service on purpose (SIGTERM, as systemd, an orchestrator or a rolling restart does) is a drain, not a
// crash:
// - on the embedded default: /readyz answers 503 at once; an upload in flight at the signal is finished and answered
//   201 (the embedded PostgreSQL is stopped only after it: its library's own exit hook no longer stops it at the
//   signal), one that never finishes is cut after QUILL_SHUTDOWN_TIMEOUT_S; the process exits 0, the postmaster is
//   stopped and not mistaken for a crash (no "exited unexpectedly", no restart);
// - however it was started: SIGTERM to `npm start` (which execs node) and to `npx quill-docstore start` (a shell in
//   between, which dies) stops the service, leaving no node process behind.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { freePort } from '../../src/db/embedded.ts';
import { createTestDatabase } from '../support/database.ts';
import { BIN } from '../support/live-stores.ts';
import { spawnServer, type ServerProcess } from '../support/process.ts';

const dirs: string[] = [];
let service: ServerProcess | null = null;
const jwt = { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  await service?.stop(15_000);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
}, 60_000);

function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env = { ...process.env, HOST: '127.0.0.1', ...extra } as Record<string, string>;
  for (const k of ['DATABASE_URL', 'QUILL_FHIR_URL', 'QUILL_CONFIG_FILE', 'QUILL_CLAMD_URL', 'npm_lifecycle_event', 'npm_command']) if (!(k in extra)) delete env[k];
  return env;
}

/** A raw upload of `total` bytes, of which `first` are sent now; send the rest with more(). Resolves with the status. */
function startUpload(base: string, token: string, total: number, first: number) {
  let status: Promise<number | string>;
  const req = request(`${base}/v1/documents?patient=9434765919&type=373942005&title=in%20flight`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/pdf', 'content-length': String(total) },
  });
  status = new Promise((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (e) => resolve(`error: ${e.message}`));
  });
  req.write(Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(first - 9)]));
  return {
    status: () => status,
    more: async () => {
      for (let sent = first; sent < total; sent += 64 * 1024) {
        req.write(randomBytes(Math.min(64 * 1024, total - sent)));
        await sleep(20);
      }
      req.end();
    },
    destroy: () => req.destroy(),
  };
}

it('SIGTERM drains: not ready at once, the upload in flight answered 201, a stuck one cut after the timeout; PostgreSQL stopped last, not "restarted"', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'quill-shutdown-'));
  dirs.push(dataDir);
  const secret = randomBytes(32).toString('base64url');
  const env = cleanEnv({ QUILL_DATA_DIR: dataDir, QUILL_JWT_SECRET: secret, PORT: String(await freePort()), LOG_LEVEL: 'info', QUILL_BACKUP_SCHEDULE: 'false', QUILL_SHUTDOWN_GRACE_S: '2', QUILL_SHUTDOWN_TIMEOUT_S: '6' });
  service = spawnServer('shutdown', process.execPath, [BIN, 'start'], { env });
  const output: string[] = [];
  const collect = (d: Buffer) => output.push(...d.toString('utf8').split('\n').filter(Boolean));
  service.child.stdout!.on('data', collect);
  service.child.stderr!.on('data', collect);
  const [, base] = await service.waitForLine(/running at (http:\/\/\S+)/, 120_000);
  const postmasterPid = path.join(dataDir, 'pg', 'postmaster.pid'); // PostgreSQL removes it when it shuts down cleanly
  expect(existsSync(postmasterPid)).toBe(true);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);

  // two uploads under way: one that will be finished during the drain, one whose client never sends the rest
  const token = await mintDevToken(Buffer.from(secret), jwt, { sub: 'dr.stop', roles: ['clinician'] });
  const finishing = startUpload(base!, token, 4 * 1024 * 1024, 256 * 1024);
  const stuck = startUpload(base!, token, 10 * 1024 * 1024, 64 * 1024);
  await service.waitForLine(/"url":"\/v1\/documents"[^]*incoming request/, 30_000);
  await sleep(500);

  const t0 = Date.now();
  const exited = new Promise<number | null>((resolve) => service!.child.once('exit', (code) => resolve(code)));
  process.kill(service.child.pid!, 'SIGTERM'); // the supervisor passes it on to the service
  for (let t = Date.now(); Date.now() - t < 1500; await sleep(50)) if ((await fetch(`${base}/readyz`).then((r) => r.status, () => 0)) === 503) break;
  expect(await fetch(`${base}/readyz`).then((r) => r.status)).toBe(503); // not ready, still serving
  await finishing.more();
  expect(await finishing.status()).toBe(201); // answered during the drain, with its database still there
  const code = await exited;
  const tookMs = Date.now() - t0;
  stuck.destroy();
  service = null;

  expect(code).toBe(0);
  expect(tookMs).toBeGreaterThanOrEqual(2000 + 6000 - 500); // the grace, then the whole drain timeout for the stuck upload
  expect(output.some((l) => /"cut":1\b.*"stopped"/.test(l))).toBe(true); // the stuck upload, and only it
  const supervisorLines = output.filter((l) => /embedded PostgreSQL (exited unexpectedly|restarted|could not be restarted)/.test(l));
  expect(supervisorLines).toEqual([]);
  expect(output.some((l) => /"signal":"SIGTERM".*"shutting down"/.test(l))).toBe(true);
  expect(existsSync(postmasterPid)).toBe(false); // stopped, and not started again
}, 180_000);

describe('signals reach the service however it was started', () => {
  /** node processes running the service (`node <…>/quill-docstore[.js] start`) that this test started (by its marker). */
  const nodeServices = (): number[] =>
    readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
          const isService = path.basename(argv[0]!) === 'node' && /quill-docstore(\.js)?$/.test(argv[1] ?? '') && argv[2] === 'start';
          return isService && readFileSync(`/proc/${p}/environ`, 'utf8').includes(`QUILL_SIGNAL_TEST=${marker}`);
        } catch {
          return false;
        }
      })
      .map(Number);
  const marker = randomBytes(6).toString('hex');

  it.each([
    ['npm start', ['npm', ['start']]],
    ['npx quill-docstore start', ['npx', ['--yes', 'quill-docstore', 'start']]],
  ] as const)('SIGTERM to `%s` stops the service, no node left running', async (_name, [cmd, args]) => {
    const db = await createTestDatabase();
    try {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'quill-signal-'));
      dirs.push(dataDir);
      const port = await freePort();
      const env = cleanEnv({ DATABASE_URL: db.url, QUILL_DATA_DIR: dataDir, QUILL_JWT_SECRET: randomBytes(32).toString('base64url'), PORT: String(port), LOG_LEVEL: 'warn', QUILL_SHUTDOWN_GRACE_S: '0', QUILL_SIGNAL_TEST: marker });
      const launcher = spawn(cmd, [...args], { cwd: path.dirname(path.dirname(BIN)), env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      launcher.stdout!.on('data', (d) => (out += d));
      launcher.stderr!.on('data', (d) => (out += d));
      for (let t = Date.now(); !(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)); await sleep(200)) {
        if (Date.now() - t > 120_000 || launcher.exitCode !== null) throw new Error(`${cmd} did not start the service:\n${out}`);
      }
      expect(nodeServices().length).toBe(1);
      launcher.kill('SIGTERM');
      for (let t = Date.now(); nodeServices().length && Date.now() - t < 30_000; ) await sleep(200);
      expect(nodeServices(), out).toEqual([]);
      expect(await fetch(`http://127.0.0.1:${port}/readyz`).then(() => 'answering', () => 'gone')).toBe('gone');
    } finally {
      for (const pid of nodeServices()) process.kill(pid, 'SIGKILL');
      await db.drop();
    }
  }, 180_000);
});
