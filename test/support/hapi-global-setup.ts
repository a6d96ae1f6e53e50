import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { freePorts, spawnServer, waitUntil, type ServerProcess } from './process.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    hapiUrl: string;
  }
}

const BUILD = fileURLToPath(new URL('../../test-servers/hapi-fhir/build.sh', import.meta.url));
let server: ServerProcess | null = null;
let dir = '';

/**
 * One real HAPI FHIR 8.8.0 JPA server (H2 on disk in a temp dir) for the whole run: it takes 20–60 s to start, so
 * it is not started per file. build.sh returns the cached thin jar (building it once from Maven Central).
 */
export async function setup(project: TestProject): Promise<void> {
  if (process.env.QUILL_TEST_HAPI_URL) {
    project.provide('hapiUrl', process.env.QUILL_TEST_HAPI_URL);
    return;
  }
  const jar = execFileSync(BUILD, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  const [port] = await freePorts(1);
  dir = await mkdtemp(path.join(os.tmpdir(), 'quill-hapi-'));
  server = spawnServer('hapi-fhir', 'java', ['-Xmx768m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-jar', jar], {
    cwd: dir,
    env: { ...process.env, QUILL_HAPI_PORT: String(port), QUILL_HAPI_DB_URL: `jdbc:h2:file:${path.join(dir, 'fhir')}` },
  });
  const base = `http://127.0.0.1:${port}/fhir`;
  await waitUntil(server, 'GET /fhir/metadata answered', async () => (await fetch(`${base}/metadata`)).ok, 240_000, 500);
  project.provide('hapiUrl', base);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}
