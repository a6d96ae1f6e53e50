// The README's first API calls cannot drift: its walk-through block is docs/walkthrough.sh (below the script's marker
// line) verbatim, and that script runs here with bash, as written, against the real service started by the CLI
// launcher on the embedded default (its own PostgreSQL, fs store, built-in FHIR), with tokens from
// `npx quill-docstore token` on the same data directory, as a newcomer would. Every curl in it fails on a non-2xx
// answer and the script stops at the first failure (set -euo pipefail). Also the first hour's other promises: the
// sample letters are real PDFs, and Swagger UI says how to get a token and carries package.json's version.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileTypeFromFile } from 'file-type';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.ts';
import { BIN, runCli } from '../support/live-stores.ts';
import { spawnServer, type ServerProcess } from '../support/process.ts';

const root = path.resolve('.');
const SCRIPT = path.join(root, 'docs', 'walkthrough.sh');
const MARKER = "# ---- the README's block starts below this line ----";
const README_MARKER = '<!-- walkthrough: docs/walkthrough.sh -->';
const SAMPLES = ['docs/samples/letter.pdf', 'docs/samples/letter-v2.pdf'];
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const fileSha256 = (f: string) => createHash('sha256').update(readFileSync(path.join(root, f))).digest();

let dataDir = '';
let env: Record<string, string>;
let service: ServerProcess | null = null;
let base = '';

/** The environment a newcomer's shell has: nothing pointing at another database or identity provider. */
function newcomerEnv(): Record<string, string> {
  const e = { ...process.env } as Record<string, string>;
  for (const k of ['DATABASE_URL', 'QUILL_FHIR_URL', 'QUILL_CONFIG_FILE', 'QUILL_JWT_SECRET', 'QUILL_JWKS_URL', 'QUILL_PUBLIC_URL', 'B']) delete e[k];
  // the Node running the tests first on PATH, so the script's npx runs the service's CLI on it
  e.PATH = `${path.dirname(process.execPath)}:${e.PATH ?? ''}`;
  return e;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'quill-walkthrough-'));
  // the backup schedule and background scrubbing are off only to spare the CPU; the walk-through touches neither
  env = { ...newcomerEnv(), QUILL_DATA_DIR: dataDir, HOST: '127.0.0.1', LOG_LEVEL: 'warn', QUILL_BACKUP_SCHEDULE: 'false', QUILL_SCRUB_RATE: '0' };
  service = spawnServer('walkthrough', process.execPath, [BIN, 'start'], { env: { ...env, PORT: String(await freePort()) } });
  [, base] = (await service.waitForLine(/running at (http:\/\/\S+)/, 120_000)) as [string, string];
}, 180_000);

afterAll(async () => {
  await service?.stop(15_000);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('the README walk-through', () => {
  it("is the script's text, verbatim", () => {
    const script = readFileSync(SCRIPT, 'utf8');
    const at = script.indexOf(`${MARKER}\n`);
    expect(at).toBeGreaterThan(0);
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8').split('\n');
    const start = readme.indexOf(README_MARKER);
    expect(start, `README.md has no line "${README_MARKER}"`).toBeGreaterThanOrEqual(0);
    expect(readme[start + 1]).toBe('```bash');
    const end = readme.indexOf('```', start + 2);
    expect(`${readme.slice(start + 2, end).join('\n')}\n`).toBe(script.slice(at + MARKER.length + 1));
  });

  it('stops at the first failure: set -euo pipefail, and every curl fails on a non-2xx answer', () => {
    const script = readFileSync(SCRIPT, 'utf8');
    expect(script).toMatch(/^set -euo pipefail$/m);
    const curls = script.split('\n').filter((l) => /(^|\$\()curl /.test(l.trim()));
    expect(curls.length).toBeGreaterThanOrEqual(14);
    for (const l of curls) expect(l).toContain('--fail-with-body');
    // one form for commands: npx quill-docstore (a bare quill-docstore is not on PATH)
    expect(script).not.toMatch(/(?<!npx )quill-docstore (token|start)/);
  });

  it('runs as written against the service, every step doing what its comment says', async () => {
    const { stdout, stderr } = await promisify(execFile)('bash', [SCRIPT], { cwd: root, env: { ...env, B: base }, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }).catch((e: { code?: number; stdout?: string; stderr?: string }) => {
      throw new Error(`walkthrough.sh failed (exit ${e.code}):\n${e.stdout}\n${e.stderr}`);
    });
    expect(stderr).not.toMatch(/curl: \(\d+\)/);
    const out = stdout.replace(/\r/g, '');
    const letter = fileSha256(SAMPLES[0]!);

    // 1. multipart upload, then 1b. the raw body: each 201 Created with its location; $ID is the first one
    const created = [...out.matchAll(new RegExp(`^HTTP/1\\.1 201 Created\\nlocation: /v1/documents/(${UUID})$`, 'gm'))].map((m) => m[1]!);
    expect(created).toHaveLength(2);
    const id = created[0]!;
    expect(out).toContain(JSON.stringify({ id, version: 1, sha256: letter.toString('hex'), contentType: 'application/pdf', size: readFileSync(path.join(root, SAMPLES[0]!)).length }));
    expect(out).toContain(`"id":"${created[1]}","version":1,`);
    // 2. the list names both
    for (const d of created) expect(out).toContain(JSON.stringify({ id: d, title: 'Discharge summary', version: 1 }));
    // 3. the copy fetched through the download URL has the letter's SHA-256
    const sums = [...out.matchAll(/^([0-9a-f]{64}) {2}(\S+)$/gm)].map((m) => [m[1], m[2]]);
    expect(sums).toEqual([
      [letter.toString('hex'), SAMPLES[0]],
      [letter.toString('hex'), expect.stringMatching(/copy\.pdf$/)],
    ]);
    // 4. /content: 200 with the digest
    expect(out).toMatch(new RegExp(`^HTTP/1\\.1 200 OK\\ncontent-type: application/pdf\\nrepr-digest: sha-256=:${letter.toString('base64').replace(/[+/]/g, '\\$&')}:$`, 'm'));
    // 5. version 2, then entered-in-error
    expect(out).toContain(JSON.stringify({ id, version: 2 }));
    expect(out).toContain(JSON.stringify({ id, status: 'entered-in-error' }));
    // 6. the audit trail of the document, newest first, one row per step above
    const actions = [...out.matchAll(/^\{"at":"[^"]+","actor":"(\w+)","action":"([\w.-]+)","outcome":"success"\}$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(actions).toEqual([
      'rita document.enter-in-error',
      'alice document.version.create',
      'alice document.content',
      'alice document.blob-fetch',
      'alice document.download-url',
      'alice document.blob-fetch',
      'alice document.download-url',
      'alice document.create',
    ]);
    // 7. FHIR: the search finds both documents, the read shows the entered-in-error one
    const found = JSON.parse(out.match(/^\[\{"id".*\]$/m)![0]) as { id: string; status: string }[];
    expect(found).toEqual(expect.arrayContaining([{ id, status: 'entered-in-error' }, { id: created[1], status: 'current' }]));
    expect(out).toContain(JSON.stringify({ id, status: 'entered-in-error', docStatus: 'entered-in-error' }));
    // 8. tus: the last PATCH commits a third document with the letter's SHA-256
    const tus = new RegExp(`^HTTP/1\\.1 204 No Content\\n(?:.+\\n)*?quill-document-id: (${UUID})\\nquill-document-version: 1\\nquill-sha256: ${letter.toString('hex')}$`, 'm').exec(out);
    expect(tus).not.toBeNull();

    // and the service agrees: the patient has the raw and the tus uploads listed (the first is entered-in-error)
    const token = (await runCli(['token', '--sub', 'checker', '--role', 'clinician'], env)).stdout.trim();
    const list = (await (await fetch(`${base}/v1/documents?patient=9434765919`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: { id: string }[] };
    expect(list.items.map((i) => i.id).sort()).toEqual([created[1], tus![1]].sort());
  }, 300_000);
});

describe('the first hour', () => {
  it('the sample letters are PDFs by their bytes (as the service detects them)', async () => {
    for (const f of SAMPLES) expect((await fileTypeFromFile(path.join(root, f)))?.mime).toBe('application/pdf');
  });

  it("Swagger UI says how to get a token, and its version is package.json's", async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      info: { version: string; description: string };
      components: { securitySchemes: { bearer: { description: string } } };
    };
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    expect(doc.info.version).toBe(pkg.version);
    for (const text of [doc.info.description, doc.components.securitySchemes.bearer.description]) {
      expect(text).toContain('npx quill-docstore token --sub alice --role clinician');
    }
    expect((await fetch(`${base}/docs`, { redirect: 'follow' })).status).toBe(200);
  });
});
