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

/** The real service (HTTP server, real PostgreSQL, the configured blob store) on a free loopback port. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'quill-test-data-'));
  const secret = randomBytes(32).toString('base64url');
  const cfg = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    QUILL_DATA_DIR: dataDir,
    DATABASE_URL: db.url,
    QUILL_JWT_SECRET: secret,
    LOG_LEVEL: process.env.QUILL_TEST_LOG ?? 'silent',
    ...env,
  });
  const service = await createService(cfg, createLogger(cfg.logLevel));
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  const sql = postgres(db.url, { max: 2, onnotice: () => undefined });
  const key = Buffer.from(secret, 'utf8');
  return {
    baseUrl: service.baseUrl(),
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
