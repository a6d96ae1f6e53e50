import type { TestProject } from 'vitest/node';
import { startHapi, type HapiServer } from './hapi.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    hapiUrl: string;
  }
}

let server: HapiServer | null = null;

/**
 * One real HAPI FHIR 8.8.0 JPA server (H2 on disk in a temp dir) for the whole run: it takes 20–60 s to start, so
 * it is not started per file. Tests read its base URL with hapiBaseUrl() (hapi-url.ts), i.e. inject('hapiUrl').
 *
 * - QUILL_TEST_HAPI_URL=http://…/fhir: use that server instead of starting one.
 * - QUILL_TEST_HAPI=0: start nothing (tests that need HAPI then fail with hapiBaseUrl()'s message).
 * - otherwise: build.sh builds the thin jar if the current sources are not cached yet (1–2 min once), then it starts.
 */
export async function setup(project: TestProject): Promise<void> {
  if (process.env.QUILL_TEST_HAPI_URL) {
    project.provide('hapiUrl', process.env.QUILL_TEST_HAPI_URL);
    return;
  }
  if (process.env.QUILL_TEST_HAPI === '0') return;
  server = await startHapi({ build: true, timeoutMs: 240_000 });
  project.provide('hapiUrl', server.baseUrl);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  server = null;
}
