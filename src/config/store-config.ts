import type { BlobStoreKind } from '../domain/ports.ts';

/**
 * One blob store's configuration. The built-in stores `fs`, `s3` and `azure` (QUILL_FS_DIR, QUILL_S3_*,
 * QUILL_AZURE_*) and the named ones (QUILL_STORES, QUILL_STORE_<NAME>_*) are all of this type, in one list
 * (Config.stores); store-settings.ts reads them through the config schema.
 */
export type StoreConfig = FsStoreConfig | S3StoreConfig | AzureStoreConfig;
export type StoreConfigOf<K extends BlobStoreKind> = Extract<StoreConfig, { kind: K }>;

interface Named<K extends BlobStoreKind> {
  /**
   * The store's name as document versions record it: its kind for a built-in store, else its QUILL_STORES name. A
   * version records the name of the store its bytes are in, so a named store must keep its name once used.
   */
  name: string;
  kind: K;
}

export interface FsSettings {
  dir: string;
}

export interface S3Settings {
  bucket: string | null;
  endpoint: string | null;
  forcePathStyle: boolean;
  sse: 'AES256' | 'aws:kms';
  kmsKeyId: string | null;
  caBundle: string | null;
  /** QUILL_S3_TIMEOUT_MS, for every S3 store. */
  timeoutMs?: number | undefined;
  /** QUILL_S3_OBJECT_LOCK_MODE (the built-in store): every document version is written locked in this mode. */
  objectLockMode?: 'GOVERNANCE' | 'COMPLIANCE' | null | undefined;
  /** A named store's own region and keys; else AWS_REGION and the default AWS credential chain. */
  region?: string | null | undefined;
  accessKeyId?: string | null | undefined;
  secretAccessKey?: string | null | undefined;
}

export interface AzureSettings {
  container: string | null;
  connectionString: string | null;
  accountUrl: string | null;
  encryptionScope: string | null;
  /** QUILL_AZURE_TIMEOUT_MS, for every Azure store. */
  timeoutMs?: number | undefined;
  /** QUILL_AZURE_IMMUTABILITY (the built-in store): version-level immutability policies in this mode. */
  immutability?: 'unlocked' | 'locked' | null | undefined;
}

export type FsStoreConfig = Named<'fs'> & FsSettings;
export type S3StoreConfig = Named<'s3'> & S3Settings;
export type AzureStoreConfig = Named<'azure'> & AzureSettings;

/** The built-in store of that kind: always in the list, though possibly incomplete (an s3 store with no bucket). */
export function builtInStore<K extends BlobStoreKind>(cfg: { stores: readonly StoreConfig[] }, kind: K): StoreConfigOf<K> {
  const s = cfg.stores.find((x) => x.name === kind);
  if (!s) throw new Error(`the built-in ${kind} store is missing from the configuration`);
  return s as StoreConfigOf<K>;
}
