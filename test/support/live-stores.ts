// Helpers for API tests that run the service against the real S3 (SeaweedFS, MinIO) and Azure (Azurite) test servers:
// availability (skip with the reason, or fail under CI=true), the environment that points the service at a
// bucket/container, and running the CLI as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startAzurite, type AzuriteServer } from './azurite.ts';
import { minioMissing } from './minio.ts';
import { createVersionedBucket, s3Client, startSeaweed, weedBinaryPath, type S3Credentials, type SeaweedServer } from './seaweedfs.ts';

/** Any real S3 test server (SeaweedFS, MinIO): where it listens, its credentials, the CA of a TLS endpoint. */
export type S3TestServer = { endpoint: string; region: string } & S3Credentials;

const weed = (() => {
  try {
    return weedBinaryPath();
  } catch (e) {
    return `(unknown: ${(e as Error).message})`;
  }
})();
const azuriteInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('azurite/package.json');
    return true;
  } catch {
    return false;
  }
})();

/** Which real servers a suite needs: SeaweedFS (single server or cluster: the same binary) and Azurite unless told not; MinIO when told. */
export interface NeededServers {
  azurite?: boolean;
  seaweedfs?: boolean;
  minio?: boolean;
}

/** Why the real servers cannot run here, or null. Under CI=true a missing server fails the file instead of skipping it. */
export function missingServers(needs: NeededServers = {}): string | null {
  const missing = [
    needs.seaweedfs === false || existsSync(weed) ? null : `SeaweedFS binary is missing at ${weed}; build it with test-servers/seaweedfs/build.sh`,
    needs.minio ? minioMissing() : null,
    needs.azurite === false || azuriteInstalled ? null : 'Azurite is not installed (npm install; it is a devDependency)',
  ].filter(Boolean);
  return missing.length ? missing.join('; ') : null;
}

/** Registers the skip (or, under CI, the failure) when servers are missing; returns true when the suite can run. */
export function requireServers(title: string, needs: NeededServers = {}): boolean {
  return requireAvailable(title, missingServers(needs), 'the real test servers');
}

/**
 * A suite's server is missing (`reason` set): skip it locally with the reason, fail it under CI=true (so CI never passes
 * by skipping). Returns true when the suite can run.
 */
export function requireAvailable(title: string, reason: string | null, what: string): boolean {
  if (!reason) return true;
  if (process.env.CI === 'true') {
    describe(title, () => {
      it(`needs ${what} (required when CI=true)`, () => {
        throw new Error(reason);
      });
    });
  } else {
    console.warn(`[${title}] skipping: ${reason}`);
    describe.skip(`${title}: skipped because ${reason}`, () => {
      it(`needs ${what}`, () => {});
    });
  }
  return false;
}

/**
 * The service takes S3 credentials from the default AWS chain: put the S3 server's in this process's environment (and
 * so in every child process started with it). Returns a function restoring the previous values.
 */
export function useAwsCredentials(sw: S3TestServer): () => void {
  const keys = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'] as const;
  const before = keys.map((k) => process.env[k]);
  process.env.AWS_ACCESS_KEY_ID = sw.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = sw.secretAccessKey;
  process.env.AWS_REGION = sw.region;
  return () =>
    keys.forEach((k, i) => {
      if (before[i] === undefined) delete process.env[k];
      else process.env[k] = before[i];
    });
}

/**
 * A file's real stores: when `run`, SeaweedFS and Azurite start before its tests (the AWS chain pointing at SeaweedFS)
 * and stop after them. Read `sw` and `az` inside tests and hooks (they are set once the servers are up).
 */
export function liveStores(run: boolean): { sw: SeaweedServer; az: AzuriteServer } {
  const live = {} as { sw: SeaweedServer; az: AzuriteServer };
  if (!run) return live;
  let restoreAws: () => void = () => undefined;
  beforeAll(async () => {
    [live.sw, live.az] = await Promise.all([startSeaweed(), startAzurite()]);
    restoreAws = useAwsCredentials(live.sw);
  }, 120_000);
  afterAll(async () => {
    restoreAws();
    await Promise.all([live.sw?.stop(), live.az?.stop()]);
  }, 60_000);
  return live;
}

export const bucketName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A bucket as the service expects it (versioned, SSE-S3 by default), or a bare one (no versioning, no encryption). */
export async function newBucket(sw: S3TestServer, prefix: string, opts: { bare?: boolean; objectLock?: boolean } = {}): Promise<string> {
  const name = bucketName(prefix);
  if (opts.bare) {
    const c = s3Client(sw);
    try {
      await c.send(new CreateBucketCommand({ Bucket: name }));
    } finally {
      c.destroy();
    }
  } else {
    await createVersionedBucket(sw.endpoint, sw, name, { objectLock: opts.objectLock });
  }
  return name;
}

export async function newContainer(az: AzuriteServer, prefix: string): Promise<string> {
  const name = bucketName(prefix);
  await BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient(name).create();
  return name;
}

export const s3Env = (sw: S3TestServer, bucket: string): Record<string, string> => ({
  QUILL_S3_BUCKET: bucket,
  QUILL_S3_ENDPOINT: sw.endpoint,
  QUILL_S3_FORCE_PATH_STYLE: 'true',
  ...(sw.caFile ? { QUILL_S3_CA_BUNDLE: sw.caFile } : {}),
});

export const azureEnv = (az: AzuriteServer, container: string): Record<string, string> => ({
  QUILL_AZURE_CONTAINER: container,
  AZURE_STORAGE_CONNECTION_STRING: az.connectionString,
});

export const BIN = path.resolve('bin/quill-docstore.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `quill-docstore <args>` with this process's environment plus env; resolves when it exits. */
export function runCli(args: string[], env: Record<string, string>, onSpawn?: (c: ChildProcess) => void): Promise<CliResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  onSpawn?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
}
