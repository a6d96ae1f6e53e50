import type { Logger } from 'pino';
import type { BackupConfig } from '../config/backup.ts';
import { beginEmbeddedPostgres, type StartingEmbeddedDatabase } from './embedded.ts';
import { runningEmbeddedUrl } from './embedded-endpoint.ts';

/**
 * The embedded database for this data directory. With shareRunning (operator commands), the server of a service
 * already running on it is used when there is one (it publishes its endpoint in the data directory; the password
 * is the data directory's pg-password); otherwise, and always for the service itself, a server is started here. It
 * answers once the server's URL is known: `ready` once it accepts connections.
 */
export async function openEmbedded(dataDir: string, log: Logger, opts: { shareRunning: boolean; backup?: BackupConfig }): Promise<StartingEmbeddedDatabase> {
  if (opts.shareRunning) {
    const running = await runningEmbeddedUrl(dataDir);
    if (running) {
      log.info({ port: running.endpoint.port, servicePid: running.endpoint.pid }, 'using the embedded PostgreSQL of the running service');
      return { url: running.url, ready: Promise.resolve(), stop: async () => undefined /* not ours to stop */, health: () => ({ ok: true }) };
    }
  }
  return beginEmbeddedPostgres(dataDir, log, { backup: opts.backup });
}
