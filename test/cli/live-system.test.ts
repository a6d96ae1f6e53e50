// Operator commands against a live system on the embedded default: with a service running on a data directory,
// migrate, doctor, reconcile, scrub, rescan, audit verify, reconcile --fhir and audit export use that service's PostgreSQL (published in the data
// directory) instead of refusing with "the embedded database … is in use"; with none running they start their own.
// Failures are one line and an exit code; the stack only with --debug. Every command is spawned asynchronously.
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { freePort } from '../../src/db/embedded.ts';
import { pdfBytes, uploadRaw } from '../support/fixtures.ts';
import { BIN, runCli, type CliResult } from '../support/live-stores.ts';
import { spawnServer, type ServerProcess } from '../support/process.ts';
import { clamdMissing, startClamd } from '../support/clamav.ts';

let dataDir: string;
let env: Record<string, string>;
let service: ServerProcess | null = null;
let base: string;

/** The environment of this process minus anything that would point the commands at another database. */
function cleanEnv(): Record<string, string> {
  const e = { ...process.env } as Record<string, string>;
  delete e.DATABASE_URL;
  delete e.QUILL_FHIR_URL;
  delete e.QUILL_CONFIG_FILE;
  return e;
}

const noStack = (r: CliResult) => expect(r.stderr).not.toMatch(/^\s+at /m);
const notInUse = (r: CliResult) => expect(r.stderr).not.toMatch(/in use/);

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'quill-live-cli-'));
  const secret = randomBytes(32).toString('base64url');
  env = { QUILL_DATA_DIR: dataDir, QUILL_JWT_SECRET: secret, HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  service = spawnServer('live-service', process.execPath, [BIN, 'start'], { env: { ...cleanEnv(), ...env, PORT: String(await freePort()) } });
  const [, url] = await service.waitForLine(/running at (http:\/\/\S+)/, 120_000);
  base = url!;
  const token = await mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub: 'dr.live', roles: ['clinician'] });
  expect((await uploadRaw(base, token, pdfBytes('live system'))).status).toBe(201);
}, 180_000);

afterAll(async () => {
  await service?.stop(15_000);
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

/** doctor exits 1 exactly when a check failed; on a fresh data dir only the backup check may (no backup taken yet). */
function expectDoctorExit(r: CliResult, report: { checks: { name: string; ok: boolean }[] }): void {
  const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
  expect(failed.filter((n) => !n.startsWith('backup.'))).toEqual([]);
  expect(r.code).toBe(failed.length ? 1 : 0);
}

const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { ...cleanEnv(), ...env, ...extra });

describe('operator commands while the service runs on the same data directory', () => {
  it('the service publishes how to reach its database, readable by its user only', () => {
    const file = path.join(dataDir, 'pg-endpoint.json');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('migrate', async () => {
    const r = await cli(['migrate']);
    notInUse(r);
    noStack(r);
    expect(r.code).toBe(0);
  });

  it('doctor', async () => {
    const r = await cli(['doctor', '--json']);
    notInUse(r);
    const report = JSON.parse(r.stdout);
    expect(report.checks.find((c: { name: string }) => c.name === 'database.connect')).toMatchObject({ ok: true });
    expect(report.checks.find((c: { name: string }) => c.name === 'database.migrations')).toMatchObject({ ok: true });
    expectDoctorExit(r, report);
  });

  it('reconcile', async () => {
    const r = await cli(['reconcile', '--json']);
    notInUse(r);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ staleIntents: 0, orphansRemoved: 0, missingBlobs: [], errors: [] });
  });

  it('audit export', async () => {
    const r = await cli(['audit', 'export', '--ndjson']);
    notInUse(r);
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.some((e: { resourceType: string }) => e.resourceType === 'AuditEvent')).toBe(true);
    expect(events.length).toBeGreaterThanOrEqual(1);
  });

  it('scrub', async () => {
    const r = await cli(['scrub', '--json']);
    notInUse(r);
    noStack(r);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ findings: [] });
  });

  it('rescan (malware), with a clamd; without QUILL_CLAMD_URL it says scanning is off', async () => {
    const off = await cli(['rescan']);
    expect(off.code).toBe(78);
    expect(off.stderr).toMatch(/rescan needs QUILL_CLAMD_URL/);
    if (clamdMissing()) {
      if (process.env.CI === 'true') throw new Error(clamdMissing()!);
      return console.warn(`[live system] rescan not run: ${clamdMissing()}`);
    }
    const clamd = await startClamd();
    try {
      const r = await cli(['rescan', '--json'], { QUILL_CLAMD_URL: clamd.url });
      notInUse(r);
      noStack(r);
      expect(r.code).toBe(0);
      // the document stored before (scanning off in the service) is scanned now: clean
      expect(JSON.parse(r.stdout)).toMatchObject({ ran: true, versions: 1, clean: 1, found: [], problems: [], quarantined: [] });
    } finally {
      await clamd.stop();
    }
  });

  it('audit verify', async () => {
    const r = await cli(['audit', 'verify', '--json']);
    notInUse(r);
    noStack(r);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, breaks: [] });
  });

  it('a bare audit export streams the same NDJSON (the only format); a bare audit names both subcommands', async () => {
    const r = await cli(['audit', 'export']);
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.every((e: { resourceType: string }) => e.resourceType === 'AuditEvent')).toBe(true);
    const bare = await cli(['audit']);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/^usage: quill-docstore audit export \[--ndjson\] /);
    expect(bare.stderr).toContain('quill-docstore audit verify');
  });

  it('reconcile --fhir', async () => {
    const hapi = process.env.QUILL_TEST_HAPI_URL ?? (inject('hapiUrl' as never) as string | undefined);
    if (hapi) {
      const r = await cli(['reconcile', '--fhir', '--json'], { QUILL_FHIR_URL: String(hapi) });
      notInUse(r);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ checked: 1, errors: [] });
    } else {
      // No FHIR server in this run (QUILL_TEST_HAPI=0): the command still gets past the database (it would fail with
      // "in use" before) and fails on the unreachable FHIR server with one line and exit 1.
      const r = await cli(['reconcile', '--fhir', '--json'], { QUILL_FHIR_URL: `http://127.0.0.1:${await freePort()}/fhir` });
      notInUse(r);
      noStack(r);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^error: /);
    }
  });
});

describe('command failures', () => {
  it('an unreachable database: one line, exit 69, no stack; --debug adds the stack', async () => {
    const url = `postgres://quill:nope@127.0.0.1:${await freePort()}/quill`;
    const r = await cli(['migrate'], { DATABASE_URL: url });
    expect(r.code).toBe(69);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: the database is unavailable/);
    expect(lines[0]).not.toContain('nope'); // never the password
    noStack(r);
    const d = await cli(['migrate', '--debug'], { DATABASE_URL: url });
    expect(d.code).toBe(69);
    expect(d.stderr).toMatch(/^\s+at /m);
  });
});

describe('with no service running', () => {
  it('a command starts its own embedded server on the data directory, and leaves it stopped', async () => {
    await service?.stop(15_000);
    service = null;
    expect(existsSync(path.join(dataDir, 'pg-endpoint.json'))).toBe(false); // withdrawn on shutdown
    const r = await cli(['doctor', '--json']);
    notInUse(r);
    const report = JSON.parse(r.stdout);
    expect(report.checks.find((c: { name: string }) => c.name === 'database.connect').ok).toBe(true);
    expectDoctorExit(r, report);
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  }, 120_000);
});
