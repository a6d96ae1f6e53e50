import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config/config.ts';
import { AppError } from '../domain/errors.ts';
import type { BlobStore, StoreCheck } from '../domain/ports.ts';
import { storeChecks } from './store-checks.ts';
import { FsBlobStore } from './fs-store.ts';

/**
 * The start-up rule for a non-fs live store (and a migration target): its objects must be versioned, so metadata can
 * pin each version and nothing a document points at can be replaced. Throws a ConfigError naming the fix unless
 * QUILL_ALLOW_UNVERSIONED=true (development only: Azurite has no versioning); throws storage_unavailable when the
 * store cannot be reached to tell. Returns the checks it ran (the readiness cache starts from them).
 */
export async function requireVersionedStore(store: BlobStore, cfg: Pick<Config, 'allowUnversioned'>, log: Logger, role = 'live store (QUILL_BLOB_STORE)'): Promise<StoreCheck[]> {
  // an fs store (the built-in one or a named one): keys are never reused and files never rewritten, nothing to version
  if (store instanceof FsBlobStore) return storeChecks(store);
  const checks = await storeChecks(store);
  const versioning = checks.find((c) => c.name.endsWith('.versioning'));
  if (!versioning) {
    const failed = checks.filter((c) => !c.ok);
    const why = failed.map((c) => `${c.name}: ${c.detail}${c.fix ? ` (fix: ${c.fix})` : ''}`).join('; ') || 'no versioning check was reported';
    throw new AppError('storage_unavailable', `the ${store.kind} ${role} could not be checked for versioning: ${why}`, { layer: 'blob' }, { retryAfter: 5 });
  }
  // QUILL_S3_OBJECT_LOCK_MODE set on a bucket without Object Lock: every upload would be refused by the store
  const lock = checks.find((c) => c.name === 's3.object-lock');
  if (lock && !lock.ok) throw new ConfigError(`refusing to use the ${store.kind} ${role}: ${lock.detail}.\n  fix: ${lock.fix ?? 'enable Object Lock'}`);
  if (versioning.ok) return checks;
  if (cfg.allowUnversioned) {
    log.warn({ store: store.kind, detail: versioning.detail }, 'QUILL_ALLOW_UNVERSIONED=true: using an unversioned blob store (development only; never in production)');
    return checks;
  }
  throw new ConfigError(
    `refusing to use the ${store.kind} ${role}: ${versioning.detail}.\n  fix: ${versioning.fix ?? 'enable object versioning'}\n` +
      '  (QUILL_ALLOW_UNVERSIONED=true accepts an unversioned store for development only, e.g. Azurite.)',
  );
}
