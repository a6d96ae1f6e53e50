import path from 'node:path';
import type { Config } from '../config/config.ts';
import { secretFile } from '../config/secret-file.ts';

/** The HS256 secret: QUILL_JWT_SECRET, or the embedded development secret kept in the data directory. */
export async function jwtSecret(cfg: Config): Promise<Buffer | undefined> {
  if (cfg.jwt.jwksUrl) return undefined;
  if (cfg.jwt.secret) return Buffer.from(cfg.jwt.secret, 'utf8');
  return Buffer.from(await secretFile(path.join(cfg.dataDir, 'dev-jwt-secret')), 'utf8');
}

/** True when tokens come from someone else, so this service must not mint them. */
export const externalIdentityProvider = (cfg: Config): boolean => Boolean(cfg.jwt.jwksUrl || cfg.jwt.secret);

/** The key that signs the filesystem store's download URLs. Several instances must share QUILL_URL_SIGNING_KEY. */
export async function urlSigningKey(cfg: Config): Promise<Buffer> {
  return Buffer.from(cfg.urlSigningKey ?? (await secretFile(path.join(cfg.dataDir, 'url-signing-key'))), 'utf8');
}
