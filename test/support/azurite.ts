// Starts a real Azurite blob service on 127.0.0.1 for tests.
//
//   const az = await startAzurite();
//   const svc = BlobServiceClient.fromConnectionString(az.connectionString);
//   ...
//   await az.stop();
//
// Azurite is launched with `node .../azurite/dist/src/blob/main.js` (not npx),
// so stopping the process really stops the server. It binds port 0 and we read
// the real port from its "successfully listens" line, so there is no port race.
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnServer, waitUntil } from './process.ts';

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  /** Data directory. Default: a fresh temp dir, removed by stop(). A given dir is kept. */
  location?: string;
  /** Pass --loose (ignore unsupported headers/parameters). Default true. */
  loose?: boolean;
  /** Readiness timeout in ms. Default 30000. */
  timeoutMs?: number;
}

export interface AzuriteServer {
  connectionString: string;
  /** e.g. http://127.0.0.1:41234/devstoreaccount1 */
  blobEndpoint: string;
  accountName: string;
  accountKey: string;
  /** Data directory in use (temp unless options.location was given). */
  location: string;
  /** The server's process (group) id, e.g. for a benchmark's CPU figures. */
  pid: number;
  stop(): Promise<void>;
}

function azuriteBlobMain(): string {
  // Resolve from this file first, then from the working directory.
  for (const base of [import.meta.url, join(process.cwd(), 'package.json')]) {
    try {
      const pkgJson = createRequire(base).resolve('azurite/package.json');
      return join(dirname(pkgJson), 'dist', 'src', 'blob', 'main.js');
    } catch {
      // try the next base
    }
  }
  throw new Error('azurite is not installed: run `npm install` (it is a devDependency)');
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteServer> {
  const ownDir = options.location === undefined;
  const location = options.location ?? (await mkdtemp(join(tmpdir(), 'quill-azurite-')));
  const args = [
    azuriteBlobMain(),
    '--blobHost', '127.0.0.1',
    '--blobPort', '0',
    '--location', location,
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--silent',
  ];
  if (options.loose ?? true) args.push('--loose');

  const server = spawnServer('azurite', process.execPath, args, { cwd: location });
  const stop = async (): Promise<void> => {
    await server.stop();
    if (ownDir) await rm(location, { recursive: true, force: true });
  };

  try {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const match = await server.waitForLine(/successfully listens on (http:\/\/127\.0\.0\.1:(\d+))/, timeoutMs);
    const base = match[1] as string;
    const blobEndpoint = `${base}/${AZURITE_ACCOUNT_NAME}`;
    // Any HTTP answer (even 403 for an unsigned request) means it serves requests.
    await waitUntil(server, 'an HTTP answer', async () => (await fetch(`${blobEndpoint}?comp=list`)).status > 0, timeoutMs);
    return {
      connectionString:
        `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};` +
        `AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`,
      blobEndpoint,
      accountName: AZURITE_ACCOUNT_NAME,
      accountKey: AZURITE_ACCOUNT_KEY,
      location,
      pid: server.child.pid as number,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
