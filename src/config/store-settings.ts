import path from 'node:path';
import { BLOB_STORE_KINDS, isBlobStoreKind, type BlobStoreKind } from '../domain/ports.ts';
import type { AzureStoreConfig, FsStoreConfig, S3StoreConfig, StoreConfig } from './store-config.ts';

/**
 * The blob stores' settings, read through the config schema. The built-in stores `fs`, `s3` and `azure` are set by
 * QUILL_FS_DIR, QUILL_S3_* and QUILL_AZURE_*; named stores (QUILL_STORES) let two stores of the same kind (the single
 * SeaweedFS server and the cluster, or SeaweedFS and AWS) both be configured, for `migrate-blobs --from <name> --to
 * <name>` and for reading versions that live in either:
 *
 *   QUILL_STORES=cluster,aws                       names: lower case, [a-z][a-z0-9-]{0,31}, not fs/s3/azure
 *   QUILL_STORE_CLUSTER_KIND=s3                    fs | s3 | azure
 *   QUILL_STORE_CLUSTER_S3_BUCKET=docs             then the settings of that kind, each named like the built-in
 *   QUILL_STORE_CLUSTER_S3_ENDPOINT=http://…       one with QUILL_STORE_<NAME>_ in front (dashes become _):
 *   QUILL_STORE_CLUSTER_S3_ACCESS_KEY_ID=…         S3_BUCKET, S3_ENDPOINT, S3_FORCE_PATH_STYLE, S3_SSE, S3_KMS_KEY_ID,
 *   QUILL_STORE_CLUSTER_S3_SECRET_ACCESS_KEY=…     S3_CA_BUNDLE, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY
 *                                                  (else the default AWS chain); FS_DIR; AZURE_CONTAINER,
 *                                                  AZURE_CONNECTION_STRING, AZURE_ACCOUNT_URL, AZURE_ENCRYPTION_SCOPE.
 *
 * Each setting is written once below, with the variable that sets it on the built-in store and the suffix that sets
 * it on a named one; the config schema's store part is generated from this table (for a named store, once its name
 * is known from QUILL_STORES), so env-schema validates every store's variables like any other.
 */
interface Setting {
  /** The built-in store's variable. */
  builtIn?: string;
  /** A named store's variable, after QUILL_STORE_<NAME>_. */
  named?: string;
  /** One value for every store of the kind: a named store takes the built-in store's. */
  shared?: true;
  schema: Record<string, unknown>;
}

const text = { type: 'string' } as const;
const url = { type: 'string', pattern: '^https?://' } as const;
const timeout = { type: 'integer', minimum: 500, maximum: 600000, default: 20000 } as const;

const SETTINGS = {
  fs: {
    dir: { builtIn: 'QUILL_FS_DIR', named: 'FS_DIR', schema: text },
  },
  s3: {
    bucket: { builtIn: 'QUILL_S3_BUCKET', named: 'S3_BUCKET', schema: { type: 'string', minLength: 3 } },
    endpoint: { builtIn: 'QUILL_S3_ENDPOINT', named: 'S3_ENDPOINT', schema: url },
    forcePathStyle: { builtIn: 'QUILL_S3_FORCE_PATH_STYLE', named: 'S3_FORCE_PATH_STYLE', schema: { type: 'boolean', default: false } },
    sse: { builtIn: 'QUILL_S3_SSE', named: 'S3_SSE', schema: { type: 'string', enum: ['AES256', 'aws:kms'], default: 'AES256' } },
    kmsKeyId: { builtIn: 'QUILL_S3_KMS_KEY_ID', named: 'S3_KMS_KEY_ID', schema: text },
    caBundle: { builtIn: 'QUILL_S3_CA_BUNDLE', named: 'S3_CA_BUNDLE', schema: text },
    timeoutMs: { builtIn: 'QUILL_S3_TIMEOUT_MS', shared: true, schema: timeout },
    objectLockMode: { builtIn: 'QUILL_S3_OBJECT_LOCK_MODE', schema: { type: 'string', enum: ['GOVERNANCE', 'COMPLIANCE'] } },
    region: { named: 'S3_REGION', schema: text },
    accessKeyId: { named: 'S3_ACCESS_KEY_ID', schema: text },
    secretAccessKey: { named: 'S3_SECRET_ACCESS_KEY', schema: text },
  },
  azure: {
    container: { builtIn: 'QUILL_AZURE_CONTAINER', named: 'AZURE_CONTAINER', schema: { type: 'string', minLength: 3 } },
    connectionString: { builtIn: 'AZURE_STORAGE_CONNECTION_STRING', named: 'AZURE_CONNECTION_STRING', schema: text },
    accountUrl: { builtIn: 'QUILL_AZURE_ACCOUNT_URL', named: 'AZURE_ACCOUNT_URL', schema: url },
    encryptionScope: { builtIn: 'QUILL_AZURE_ENCRYPTION_SCOPE', named: 'AZURE_ENCRYPTION_SCOPE', schema: text },
    timeoutMs: { builtIn: 'QUILL_AZURE_TIMEOUT_MS', shared: true, schema: timeout },
    immutability: { builtIn: 'QUILL_AZURE_IMMUTABILITY', schema: { type: 'string', enum: ['unlocked', 'locked'] } },
  },
} as const satisfies Record<BlobStoreKind, Record<string, Setting>>;

const ALL: Setting[] = Object.values(SETTINGS).flatMap((k) => Object.values(k));

/** The built-in stores' variables, for the config schema. */
export const builtInStoreSchema: Record<string, Record<string, unknown>> = Object.fromEntries(ALL.flatMap((s) => (s.builtIn ? [[s.builtIn, s.schema]] : [])));

const NAME = /^[a-z][a-z0-9-]{0,31}$/;
const prefixOf = (name: string) => `QUILL_STORE_${name.toUpperCase().replace(/-/g, '_')}_`;

/** Each named store's variables (its KIND, then every setting a named store can have), for the config schema. */
export function namedStoreSchema(names: readonly string[]): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    names.flatMap((name) => {
      const p = prefixOf(name);
      return [[`${p}KIND`, { type: 'string', enum: [...BLOB_STORE_KINDS] }], ...ALL.flatMap((s) => (s.named ? [[`${p}${s.named}`, s.schema]] : []))];
    }),
  );
}

/** The names in QUILL_STORES; `problems` collects what is wrong with them (config.ts reports every problem at once). */
export function storeNames(list: unknown, problems: string[]): string[] {
  const out: string[] = [];
  for (const name of String(list ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!NAME.test(name) || isBlobStoreKind(name) || name === 'fs-encrypted') {
      problems.push(`QUILL_STORES: "${name}" is not a valid store name (lower case letters, digits and -, starting with a letter; not ${BLOB_STORE_KINDS.join('/')}/fs-encrypted)`);
    } else if (out.includes(name)) {
      problems.push(`QUILL_STORES names "${name}" twice`);
    } else {
      out.push(name);
    }
  }
  return out;
}

type Raw = Record<string, unknown>;
type Get = (s: Setting) => unknown;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * Every store, from the validated settings: the built-in fs, s3 and azure first (always there, as complete as their
 * settings are: QUILL_BLOB_STORE's checks are config.ts's), then each named one (checked here).
 */
export function storeConfigs(raw: Raw, names: readonly string[], dataDir: string, problems: string[]): StoreConfig[] {
  const builtIn: Get = (s) => (s.builtIn ? raw[s.builtIn] : undefined);
  const out: StoreConfig[] = [fsStore('fs', builtIn, path.join(dataDir, 'blobs')), s3Store('s3', builtIn), azureStore('azure', builtIn)];
  for (const name of names) {
    const p = prefixOf(name);
    const kind = str(raw[`${p}KIND`]);
    if (!kind || !isBlobStoreKind(kind)) {
      problems.push(`${p}KIND must be one of ${BLOB_STORE_KINDS.join(', ')}`);
      continue;
    }
    const named: Get = (s) => (s.named ? raw[`${p}${s.named}`] : s.shared ? builtIn(s) : undefined);
    const store = kind === 'fs' ? fsStore(name, named, null) : kind === 's3' ? s3Store(name, named) : azureStore(name, named);
    problems.push(...namedStoreProblems(store, p));
    out.push(store);
  }
  return out;
}

function fsStore(name: string, get: Get, defaultDir: string | null): FsStoreConfig {
  const dir = str(get(SETTINGS.fs.dir)) ?? defaultDir;
  return { name, kind: 'fs', dir: dir ? path.resolve(dir) : '' };
}

function s3Store(name: string, get: Get): S3StoreConfig {
  const s = SETTINGS.s3;
  return {
    name,
    kind: 's3',
    bucket: str(get(s.bucket)),
    endpoint: str(get(s.endpoint)),
    forcePathStyle: get(s.forcePathStyle) === true,
    sse: get(s.sse) as S3StoreConfig['sse'],
    kmsKeyId: str(get(s.kmsKeyId)),
    caBundle: str(get(s.caBundle)),
    timeoutMs: Number(get(s.timeoutMs)),
    objectLockMode: str(get(s.objectLockMode)) as S3StoreConfig['objectLockMode'],
    region: str(get(s.region)),
    accessKeyId: str(get(s.accessKeyId)),
    secretAccessKey: str(get(s.secretAccessKey)),
  };
}

function azureStore(name: string, get: Get): AzureStoreConfig {
  const s = SETTINGS.azure;
  return {
    name,
    kind: 'azure',
    container: str(get(s.container)),
    connectionString: str(get(s.connectionString)),
    accountUrl: str(get(s.accountUrl)),
    encryptionScope: str(get(s.encryptionScope)),
    timeoutMs: Number(get(s.timeoutMs)),
    immutability: str(get(s.immutability)) as AzureStoreConfig['immutability'],
  };
}

/** What a named store lacks: unlike a built-in one, it is configured only to be used. */
function namedStoreProblems(s: StoreConfig, p: string): string[] {
  switch (s.kind) {
    case 'fs':
      return s.dir ? [] : [`${p}FS_DIR is required for an fs store`];
    case 's3':
      return [
        ...(s.bucket ? [] : [`${p}S3_BUCKET is required for an s3 store`]),
        ...(!!s.accessKeyId !== !!s.secretAccessKey ? [`${p}S3_ACCESS_KEY_ID and ${p}S3_SECRET_ACCESS_KEY go together`] : []),
        ...(s.sse === 'aws:kms' && !s.kmsKeyId ? [`${p}S3_SSE=aws:kms needs ${p}S3_KMS_KEY_ID`] : []),
      ];
    case 'azure':
      return s.container && (s.connectionString || s.accountUrl) ? [] : [`${p}AZURE_CONTAINER and ${p}AZURE_CONNECTION_STRING or ${p}AZURE_ACCOUNT_URL are required for an azure store`];
  }
}
