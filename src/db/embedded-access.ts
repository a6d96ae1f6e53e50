import type { Logger } from 'pino';
import type { BackupConfig } from '../config/backup.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded.ts';
import { runningEmbeddedUrl } from './embedded-endpoint.ts';

/**
 * The embedded database for this data directory. With shareRunning (operator commands), the server of a service
 * already running on it is used when there is one (it publishes its endpoint in the data directory; the password
 * is the data directory's pg-password); otherwise, and always for the service itself, a server is started here.
 */
export async function openEmbedded(dataDir: string, log: Logger, opts: { shareRunning: boolean; backup?: BackupConfig }): Promise<EmbeddedDatabase> {
  if (opts.shareRunning) {
    const running = await runningEmbeddedUrl(dataDir);
    if (running) {
      log.info({ port: running.endpoint.port, servicePid: running.endpoint.pid }, 'using the embedded PostgreSQL of the running service');
      return { url: running.url, stop: async () => undefined /* not ours to stop */, health: () => ({ ok: true }) };
    }
  }
  return startEmbeddedPostgres(dataDir, log, { backup: opts.backup });
}
