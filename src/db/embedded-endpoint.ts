import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { secretFile } from '../config/secret-file.ts';

/**
 * Finding the embedded PostgreSQL of a data directory, the one module that does: the endpoint a running service (or
 * command) publishes in the data directory (mode 0600, beside pg-password), so operator commands use that server
 * instead of starting a second one on the same files; and the server's own postmaster.pid, which says whether any
 * PostgreSQL still holds the directory (one left running by a killed service included).
 */
export interface EmbeddedEndpoint {
  host: string;
  port: number;
  /** The service process that owns the server. */
  pid: number;
}

const FILE = 'pg-endpoint.json';

export async function publishEndpoint(dataDir: string, e: EmbeddedEndpoint): Promise<void> {
  const file = path.join(dataDir, FILE);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(e)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

export async function withdrawEndpoint(dataDir: string): Promise<void> {
  const file = path.join(dataDir, FILE);
  // only our own: a second instance refused at start must not remove the running one's file
  if (readEndpoint(dataDir)?.pid === process.pid) await rm(file, { force: true });
}

/** The published endpoint when its owner process still runs; null otherwise (none, stale, unreadable). */
export function liveEndpoint(dataDir: string): EmbeddedEndpoint | null {
  const e = readEndpoint(dataDir);
  if (!e) return null;
  if (e.pid === process.pid) return e; // this process runs it (the service, and a command run in-process, e.g. a backup)
  try {
    process.kill(e.pid, 0);
    // a recycled pid is not our service
    return readFileSync(`/proc/${e.pid}/cmdline`, 'utf8').includes('node') ? e : null;
  } catch {
    return null;
  }
}

function readEndpoint(dataDir: string): EmbeddedEndpoint | null {
  const file = path.join(dataDir, FILE);
  if (!existsSync(file)) return null;
  try {
    const e = JSON.parse(readFileSync(file, 'utf8')) as EmbeddedEndpoint;
    return typeof e.host === 'string' && Number.isInteger(e.port) && Number.isInteger(e.pid) ? e : null;
  } catch {
    return null;
  }
}

/** The connection URL of the embedded PostgreSQL another process runs on this data directory; null when none does. */
export async function runningEmbeddedUrl(dataDir: string): Promise<{ url: string; endpoint: EmbeddedEndpoint } | null> {
  const endpoint = liveEndpoint(dataDir);
  if (!endpoint) return null;
  const password = await secretFile(path.join(dataDir, 'pg-password'), 24);
  return { url: `postgres://quill:${encodeURIComponent(password)}@${endpoint.host}:${endpoint.port}/quill`, endpoint };
}

/** The pid of a PostgreSQL postmaster running on pgDir now (its postmaster.pid names a live process), else null. */
export function runningPostmaster(pgDir: string): number | null {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}
