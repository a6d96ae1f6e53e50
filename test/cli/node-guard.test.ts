// First contact on an older Node: the launcher and the npm scripts that run .ts files say, in one line, which Node is
// needed (package.json "engines") instead of dying with ERR_UNKNOWN_FILE_EXTENSION ".ts"; `npm install`/`npm ci`
// refuse it through .npmrc's engine-strict. Run for real with this machine's system Node (20 here); skipped only
// where the system Node is new enough to run the service (then there is nothing to refuse).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const OLD_NODE = '/usr/bin/node';
const root = path.resolve('.');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string }; scripts: Record<string, string> };
const systemMajor = existsSync(OLD_NODE) ? Number((await run(OLD_NODE, ['-p', 'process.versions.node'])).stdout.split('.')[0]) : null;
const tooOld = systemMajor !== null && systemMajor < 22;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  try {
    const { stdout, stderr } = await promisify(execFile)(cmd, args, { cwd: opts.cwd ?? root, env: opts.env ?? process.env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** One line on stderr naming the range package.json asks for and the version found; nothing on stdout. */
function expectOneLineRefusal(r: Ran): void {
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`Node.js ${pkg.engines.node}`);
  expect(lines[0]).toContain(`Node.js ${systemMajor}.`);
}

describe.skipIf(!tooOld)(`on the system Node (${OLD_NODE}, ${systemMajor ?? 'absent'})`, () => {
  it('the launcher refuses in one line before importing any .ts file', async () => {
    expectOneLineRefusal(await run(OLD_NODE, ['bin/quill-docstore.js', '--help']));
  });

  it('npm start runs the launcher (guarded above), and the guard that postinstall runs first refuses the same way', async () => {
    expect(pkg.scripts.start).toMatch(/^exec node bin\/quill-docstore\.js /); // exec: npm signals the service itself (shutdown test)
    expect(pkg.scripts.postinstall).toMatch(/^node scripts\/check-node\.js && /);
    expectOneLineRefusal(await run(OLD_NODE, ['scripts/check-node.js']));
  });

  it('npm ci refuses it (engine-strict in .npmrc), naming the version required; Node 24 installs', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'quill-engine-strict-'));
    try {
      for (const f of ['package.json', 'package-lock.json', '.npmrc']) await copyFile(path.join(root, f), path.join(dir, f));
      const args = ['ci', '--dry-run', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'];
      // the system npm runs on the system node when that comes first on PATH
      const old = await run('npm', args, { cwd: dir, env: { ...process.env, PATH: `${path.dirname(OLD_NODE)}:${process.env.PATH}` } });
      expect(old.code).not.toBe(0);
      expect(old.stderr).toContain('EBADENGINE');
      expect(old.stderr).toContain(pkg.engines.node);
      // and engine-strict refuses nothing the current Node (CI's) installs: every dependency's engines fit it
      const current = await run('npm', args, { cwd: dir, env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` } });
      expect(current.stderr).not.toContain('EBADENGINE');
      expect(current.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('the guard on the Node running the tests', () => {
  it('lets it through silently', async () => {
    const r = await run(process.execPath, ['scripts/check-node.js']);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
