import { readFileSync } from 'node:fs';
import path from 'node:path';
import { envSchema } from 'env-schema';
import { edgeConfig, type EdgeConfig } from './edge.ts';
import { configSchemaFor } from './schema.ts';
import { builtInStore, type StoreConfig } from './store-config.ts';
import { namedStoreSchema, storeConfigs, storeNames } from './store-settings.ts';
import { defaultAllowedContentTypes } from '../domain/content-types.ts';
import { defaultValueSet, type DocumentValueSet } from '../domain/document-types.ts';
import type { BlobStoreKind } from '../domain/ports.ts';
import { loadSchedule, type RetentionSchedule } from '../domain/retention-schedule.ts';
import { backupConfigFrom, type BackupConfig } from './backup.ts';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** The base URL clients reach this service at (links, fs download URLs, FHIR attachment.url). */
  publicUrl: string | null;
  databaseUrl: string | null;
  /** The live store: new bytes go there (QUILL_BLOB_STORE). */
  blobStore: BlobStoreKind;
  /** QUILL_URL_SIGNING_KEY: signs the fs store's download URLs (else a key file in the data directory). */
  urlSigningKey: string | null;
  /** Encryption at rest for the fs store: QUILL_FS_ENCRYPTION, QUILL_FS_KEK (+ _PREVIOUS) or QUILL_FS_KEK_FILE. */
  fsEncryption: { enabled: boolean; kek: string | null; kekPrevious: string[]; kekFile: string; kekFileIsDefault: boolean };
  /** The integrity scrubber (MiB/s; 0 = not in the background) and audit-chain anchoring (seconds; 0 = off). */
  integrity: { scrubRate: number; scrubIntervalDays: number; auditAnchorSeconds: number; auditAnchorRetainDays: number };
  /** Development only: accept a live store without object versioning (Azurite, a bare bucket). */
  allowUnversioned: boolean;
  /** Browsers fetch presigned URLs directly (cross-origin), so the bucket needs a CORS rule: `doctor` checks it. */
  browserDownloads: boolean;
  fhir: { url: string | null; token: string | null; basicAuth: string | null };
  jwt: { issuer: string; audience: string; secret: string | null; jwksUrl: string | null; rolesClaim: string };
  odsCode: string;
  maxUploadBytes: number;
  /** The largest IHE MHD ITI-65 transaction Bundle (POST /fhir) body; each document in it is held to maxUploadBytes. */
  maxBundleBytes: number;
  allowedContentTypes: string[];
  valueSet: DocumentValueSet;
  /** The retention schedule (src/retention): the Code of Practice 2023 as shipped, or QUILL_RETENTION_SCHEDULE_FILE. */
  retentionSchedule: RetentionSchedule;
  downloadUrlTtl: number;
  downloadUrlMaxTtl: number;
  orphanGraceSeconds: number;
  /** Resumable (tus) uploads not finished within this many hours of their last request expire. */
  uploadExpiryHours: number;
  /** Resumable uploads one user may have open (receiving) at once. */
  maxOpenUploads: number;
  /** The fewest bytes a tus PATCH may carry unless it ends the upload (advertised as Quill-Min-Patch-Size). */
  tusMinPatchBytes: number;
  /** The page's sign-in through an identity provider (authorization code + PKCE); null = development sign-in only. */
  oidc: { issuer: string; clientId: string } | null;
  requestTimeoutMs: number;
  /** The longest a response carrying document bytes may wait for its client to take any (then the connection is closed). */
  sendTimeoutMs: number;
  /** Downloads streaming through one instance at once: per user, and per signed URL. */
  maxOpenDownloads: { perUser: number; perUrl: number };
  /** Bound on every database wait (connect, a statement, a stalled connection); see src/db/sql.ts. */
  dbTimeoutMs: number;
  /** QUILL_METRICS_PORT/_HOST: /metrics without a token on a listener of its own; port null: none (admin token on the API port). */
  metrics: { host: string; port: number | null };
  /**
   * A stop (SIGTERM, SIGINT): /readyz answers 503 at once, the service waits graceS for load balancers to notice,
   * then finishes the requests in flight for at most timeoutS (src/bootstrap.ts, Service.shutdown).
   */
  shutdown: { graceS: number; timeoutS: number };
  /** Malware scanning (src/scanning): clamd's address (null: no scanning), what uploads do while it is down, its timeout. */
  scan: { clamdUrl: string | null; whenDown: 'refuse' | 'hold'; timeoutMs: number };
  logLevel: string;
  /** QUILL_TLS_CERT_FILE/QUILL_TLS_KEY_FILE and QUILL_TRUST_PROXY. */
  edge: EdgeConfig;
  backup: BackupConfig;
  /** Every blob store: the built-in fs, s3 and azure (QUILL_FS_DIR, QUILL_S3_*, QUILL_AZURE_*), then the named ones (QUILL_STORES). */
  stores: StoreConfig[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Raw = Record<string, string | number | boolean | undefined>;

/** Reads the environment (and QUILL_CONFIG_FILE if set), validates it, and fails with every problem listed. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const given: Raw = env.QUILL_CONFIG_FILE ? readConfigFile(env.QUILL_CONFIG_FILE) : {};
  for (const [key, v] of Object.entries(env)) if (v !== undefined && v !== '') given[key] = v;
  const problems: string[] = [];
  // the named stores' variables are in the schema once their names are known
  const names = storeNames(given.QUILL_STORES, problems);
  const named = namedStoreSchema(names);
  const schema = configSchemaFor(names);
  const data: Raw = {};
  for (const key of Object.keys(schema.properties)) {
    const v = typeof given[key] === 'string' && key in named ? (given[key] as string).trim() : given[key];
    if (v !== undefined && v !== '') data[key] = v;
  }
  let raw: Raw;
  try {
    raw = envSchema({ schema, data, dotenv: false }) as Raw;
  } catch (e) {
    throw new ConfigError(`invalid configuration: ${(e as Error).message}`);
  }
  return toConfig(raw, names, problems);
}

function readConfigFile(file: string): Raw {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : v])) as Raw;
  } catch (e) {
    throw new ConfigError(`QUILL_CONFIG_FILE ${file}: ${(e as Error).message}`);
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function toConfig(raw: Raw, names: readonly string[], problems: string[]): Config {
  const dataDir = path.resolve(String(raw.QUILL_DATA_DIR));
  const valueSet = documentTypes(raw, problems);
  const retentionSchedule = retentionScheduleOf(raw, valueSet, problems);
  const cfg: Omit<Config, 'retentionSchedule'> = {
    host: String(raw.HOST),
    port: Number(raw.PORT),
    dataDir,
    publicUrl: str(raw.QUILL_PUBLIC_URL)?.replace(/\/+$/, '') ?? null,
    databaseUrl: str(raw.DATABASE_URL),
    blobStore: raw.QUILL_BLOB_STORE as BlobStoreKind,
    urlSigningKey: str(raw.QUILL_URL_SIGNING_KEY),
    fsEncryption: {
      enabled: raw.QUILL_FS_ENCRYPTION !== false,
      kek: str(raw.QUILL_FS_KEK),
      kekPrevious: str(raw.QUILL_FS_KEK_PREVIOUS)?.split(',').map((s) => s.trim()).filter(Boolean) ?? [],
      kekFile: path.resolve(str(raw.QUILL_FS_KEK_FILE) ?? path.join(dataDir, 'fs-kek')),
      kekFileIsDefault: !str(raw.QUILL_FS_KEK_FILE),
    },
    integrity: { scrubRate: Number(raw.QUILL_SCRUB_RATE), scrubIntervalDays: Number(raw.QUILL_SCRUB_INTERVAL_DAYS), auditAnchorSeconds: Number(raw.QUILL_AUDIT_ANCHOR_INTERVAL), auditAnchorRetainDays: Number(raw.QUILL_AUDIT_ANCHOR_RETAIN_DAYS) },
    allowUnversioned: raw.QUILL_ALLOW_UNVERSIONED === true,
    browserDownloads: raw.QUILL_BROWSER_DOWNLOADS === true,
    fhir: { url: str(raw.QUILL_FHIR_URL)?.replace(/\/+$/, '') ?? null, token: str(raw.QUILL_FHIR_TOKEN), basicAuth: str(raw.QUILL_FHIR_BASIC_AUTH) },
    jwt: {
      issuer: String(raw.QUILL_JWT_ISSUER),
      audience: String(raw.QUILL_JWT_AUDIENCE),
      secret: str(raw.QUILL_JWT_SECRET),
      jwksUrl: str(raw.QUILL_JWKS_URL),
      rolesClaim: String(raw.QUILL_ROLES_CLAIM),
    },
    odsCode: String(raw.QUILL_ODS_CODE),
    maxUploadBytes: Number(raw.QUILL_MAX_UPLOAD_BYTES),
    maxBundleBytes: Number(raw.QUILL_MAX_BUNDLE_BYTES),
    allowedContentTypes: str(raw.QUILL_ALLOWED_CONTENT_TYPES)?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean) ?? [...defaultAllowedContentTypes],
    valueSet,
    downloadUrlTtl: Number(raw.QUILL_DOWNLOAD_URL_TTL),
    downloadUrlMaxTtl: Number(raw.QUILL_DOWNLOAD_URL_MAX_TTL),
    orphanGraceSeconds: Number(raw.QUILL_ORPHAN_GRACE_SECONDS),
    uploadExpiryHours: Number(raw.QUILL_UPLOAD_EXPIRY_HOURS),
    maxOpenUploads: Number(raw.QUILL_MAX_OPEN_UPLOADS),
    tusMinPatchBytes: Number(raw.QUILL_TUS_MIN_PATCH_BYTES),
    oidc: str(raw.QUILL_OIDC_ISSUER) && str(raw.QUILL_OIDC_CLIENT_ID) ? { issuer: str(raw.QUILL_OIDC_ISSUER)!, clientId: str(raw.QUILL_OIDC_CLIENT_ID)! } : null,
    requestTimeoutMs: Number(raw.QUILL_REQUEST_TIMEOUT_MS),
    sendTimeoutMs: Number(raw.QUILL_SEND_TIMEOUT_MS),
    maxOpenDownloads: { perUser: Number(raw.QUILL_MAX_OPEN_DOWNLOADS), perUrl: Number(raw.QUILL_MAX_OPEN_DOWNLOADS_PER_URL) },
    dbTimeoutMs: Number(raw.QUILL_DB_TIMEOUT_MS),
    metrics: { host: String(raw.QUILL_METRICS_HOST), port: raw.QUILL_METRICS_PORT === undefined ? null : Number(raw.QUILL_METRICS_PORT) },
    shutdown: { graceS: Number(raw.QUILL_SHUTDOWN_GRACE_S), timeoutS: Number(raw.QUILL_SHUTDOWN_TIMEOUT_S) },
    scan: { clamdUrl: str(raw.QUILL_CLAMD_URL), whenDown: raw.QUILL_SCAN_WHEN_DOWN as 'refuse' | 'hold', timeoutMs: Number(raw.QUILL_CLAMD_TIMEOUT_MS) },
    logLevel: String(raw.LOG_LEVEL),
    edge: edgeConfig(raw, problems),
    backup: backupConfigFrom(raw, dataDir, problems),
    stores: storeConfigs(raw, names, dataDir, problems),
  };

  const s3 = builtInStore(cfg, 's3');
  const azure = builtInStore(cfg, 'azure');
  const unsupported = cfg.allowedContentTypes.filter((t) => !(defaultAllowedContentTypes as readonly string[]).includes(t));
  if (unsupported.length) problems.push(`QUILL_ALLOWED_CONTENT_TYPES: no magic-byte check exists for ${unsupported.join(', ')}`);
  if (cfg.jwt.secret && cfg.jwt.jwksUrl) problems.push('set QUILL_JWT_SECRET or QUILL_JWKS_URL, not both');
  if (cfg.downloadUrlTtl > cfg.downloadUrlMaxTtl) problems.push('QUILL_DOWNLOAD_URL_TTL is longer than QUILL_DOWNLOAD_URL_MAX_TTL');
  if (cfg.blobStore === 's3' && !s3.bucket) problems.push('QUILL_BLOB_STORE=s3 needs QUILL_S3_BUCKET');
  if (s3.sse === 'aws:kms' && cfg.blobStore === 's3' && !s3.kmsKeyId) problems.push('QUILL_S3_SSE=aws:kms needs QUILL_S3_KMS_KEY_ID');
  if (cfg.blobStore === 'azure' && !azure.container) problems.push('QUILL_BLOB_STORE=azure needs QUILL_AZURE_CONTAINER');
  if (cfg.blobStore === 'azure' && !azure.connectionString && !azure.accountUrl)
    problems.push('QUILL_BLOB_STORE=azure needs AZURE_STORAGE_CONNECTION_STRING or QUILL_AZURE_ACCOUNT_URL');
  if (cfg.fsEncryption.kek && str(raw.QUILL_FS_KEK_FILE)) problems.push('set QUILL_FS_KEK or QUILL_FS_KEK_FILE, not both');
  if (cfg.fsEncryption.kekPrevious.length && !cfg.fsEncryption.kek) problems.push('QUILL_FS_KEK_PREVIOUS needs QUILL_FS_KEK (the new key)');
  if (Boolean(str(raw.QUILL_OIDC_ISSUER)) !== Boolean(str(raw.QUILL_OIDC_CLIENT_ID))) problems.push('set both QUILL_OIDC_ISSUER and QUILL_OIDC_CLIENT_ID, or neither');
  if (cfg.fhir.token && cfg.fhir.basicAuth) problems.push('set QUILL_FHIR_TOKEN or QUILL_FHIR_BASIC_AUTH, not both');
  if (problems.length || !retentionSchedule) throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return { ...cfg, retentionSchedule };
}

/** The document types (QUILL_DOCUMENT_TYPES_FILE, else the shipped value set). */
function documentTypes(raw: Raw, problems: string[]): DocumentValueSet {
  if (!raw.QUILL_DOCUMENT_TYPES_FILE) return defaultValueSet;
  try {
    const valueSet = JSON.parse(readFileSync(String(raw.QUILL_DOCUMENT_TYPES_FILE), 'utf8')) as DocumentValueSet;
    if (!Array.isArray(valueSet.types) || !Array.isArray(valueSet.categories)) throw new Error('needs "types" and "categories" arrays');
    return valueSet;
  } catch (e) {
    problems.push(`QUILL_DOCUMENT_TYPES_FILE: ${(e as Error).message}`);
    return defaultValueSet;
  }
}

/** The retention schedule (QUILL_RETENTION_SCHEDULE_FILE, else the Code of Practice 2023); null when it cannot be read. */
function retentionScheduleOf(raw: Raw, valueSet: DocumentValueSet, problems: string[]): RetentionSchedule | null {
  try {
    const schedule = loadSchedule(str(raw.QUILL_RETENTION_SCHEDULE_FILE));
    const classes = new Set(schedule.classes.map((c) => c.code));
    const unmapped = valueSet.types.filter((t) => t.retentionClass && !classes.has(t.retentionClass)).map((t) => `${t.code} → ${t.retentionClass}`);
    if (unmapped.length) problems.push(`document types name retention classes the schedule lacks: ${unmapped.join(', ')}`);
    return schedule;
  } catch (e) {
    problems.push(`QUILL_RETENTION_SCHEDULE_FILE: ${(e as Error).message}`);
    return null;
  }
}

/** The URL this service is reached at, for links it hands out. */
export const publicBaseUrl = (cfg: Config, boundPort?: number): string =>
  cfg.publicUrl ?? `${cfg.edge?.tls ? 'https' : 'http'}://${cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host}:${boundPort ?? cfg.port}`;
