import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { createLogger, createService, type Service } from '../../src/bootstrap.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { createTestDatabase } from './database.ts';

export interface TestServer {
  baseUrl: string;
  cfg: Config;
  service: Service;
  /** A direct connection for assertions about what was (not) written. */
  sql: postgres.Sql;
  secret: Buffer;
  token(sub: string, roles: string[], patients?: string[]): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real service (HTTP server, real PostgreSQL, the configured blob store) on a free loopback port.
 * With opts.databaseUrl it uses that database and leaves it in place on close (a test restarting the service with
 * another configuration); otherwise it creates a fresh database and drops it on close.
 */
export async function startTestServer(env: Record<string, string> = {}, opts: { databaseUrl?: string } = {}): Promise<TestServer> {
  const db = opts.databaseUrl ? { url: opts.databaseUrl, drop: async () => undefined } : await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'quill-test-data-'));
  const secret = randomBytes(32).toString('base64url');
  let service: Service;
  let cfg: Config;
  try {
    cfg = loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      QUILL_DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      QUILL_JWT_SECRET: secret,
      LOG_LEVEL: process.env.QUILL_TEST_LOG ?? 'silent',
      ...env,
    });
    service = await createService(cfg, createLogger(cfg.logLevel));
  } catch (e) {
    // a service that refuses to start (a test of exactly that) leaves nothing behind
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  const sql = postgres(db.url, { max: 2, onnotice: () => undefined });
  const key = Buffer.from(secret, 'utf8');
  return {
    // where this instance really listens (its public URL may name a load balancer in front of several)
    baseUrl: `http://127.0.0.1:${(service.app.server.address() as { port: number }).port}`,
    cfg,
    service,
    sql,
    secret: key,
    token: (sub, roles, patients) => mintDevToken(key, cfg.jwt, { sub, roles, patients }),
    close: async () => {
      await sql.end();
      await service.close();
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
