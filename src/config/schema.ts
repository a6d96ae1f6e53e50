import { backupSchemaProperties } from './backup.ts';
import { builtInStoreSchema, namedStoreSchema } from './store-settings.ts';
import { BLOB_STORE_KINDS } from '../domain/ports.ts';

/**
 * Every setting the service reads, as one JSON schema (validated by env-schema/ajv at start). Names are fixed:
 * operators and tests rely on them. A config file (QUILL_CONFIG_FILE, JSON) may set the same keys; the
 * environment wins over the file. The blob stores' part comes from store-settings.ts: the built-in stores' variables
 * here, each named store's (QUILL_STORE_<NAME>_*) added by configSchemaFor once QUILL_STORES is known.
 */
export const configSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    HOST: { type: 'string', default: '127.0.0.1' },
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
    QUILL_DATA_DIR: { type: 'string', default: './data' },
    QUILL_PUBLIC_URL: { type: 'string', pattern: '^https?://' },
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://' },

    QUILL_BLOB_STORE: { type: 'string', enum: [...BLOB_STORE_KINDS], default: 'fs' },
    ...builtInStoreSchema,
    QUILL_STORES: { type: 'string' },
    QUILL_URL_SIGNING_KEY: { type: 'string', minLength: 32 },
    QUILL_FS_ENCRYPTION: { type: 'boolean', default: true },
    QUILL_FS_KEK: { type: 'string', minLength: 43 },
    QUILL_FS_KEK_PREVIOUS: { type: 'string' },
    QUILL_FS_KEK_FILE: { type: 'string' },
    QUILL_SCRUB_RATE: { type: 'number', minimum: 0, default: 4 },
    QUILL_SCRUB_INTERVAL_DAYS: { type: 'number', exclusiveMinimum: 0, default: 30 },
    QUILL_AUDIT_ANCHOR_INTERVAL: { type: 'integer', minimum: 0, default: 3600 },
    QUILL_AUDIT_ANCHOR_RETAIN_DAYS: { type: 'integer', minimum: 0, default: 3650 },
    QUILL_RETENTION_SCHEDULE_FILE: { type: 'string' },
    QUILL_ALLOW_UNVERSIONED: { type: 'boolean', default: false },
    QUILL_BROWSER_DOWNLOADS: { type: 'boolean', default: false },

    QUILL_FHIR_URL: { type: 'string', pattern: '^https?://' },
    QUILL_FHIR_TOKEN: { type: 'string' },
    QUILL_FHIR_BASIC_AUTH: { type: 'string', pattern: '^[^:]+:.+$' },

    QUILL_JWT_ISSUER: { type: 'string', default: 'quill-docstore-dev' },
    QUILL_JWT_AUDIENCE: { type: 'string', default: 'quill-docstore' },
    QUILL_JWT_SECRET: { type: 'string', minLength: 32 },
    QUILL_JWKS_URL: { type: 'string', pattern: '^https?://' },
    QUILL_OIDC_ISSUER: { type: 'string', pattern: '^https?://' },
    QUILL_OIDC_CLIENT_ID: { type: 'string', minLength: 1 },
    QUILL_ROLES_CLAIM: { type: 'string', default: 'roles' },

    QUILL_ODS_CODE: { type: 'string', pattern: '^[A-Z0-9]{3,10}$', default: 'X26' },
    QUILL_MAX_UPLOAD_BYTES: { type: 'integer', minimum: 1, default: 2147483648 },
    QUILL_MAX_BUNDLE_BYTES: { type: 'integer', minimum: 1, default: 536870912 },
    QUILL_ALLOWED_CONTENT_TYPES: { type: 'string' },
    QUILL_DOCUMENT_TYPES_FILE: { type: 'string' },
    QUILL_DOWNLOAD_URL_TTL: { type: 'integer', minimum: 1, default: 3600 },
    QUILL_DOWNLOAD_URL_MAX_TTL: { type: 'integer', minimum: 1, default: 86400 },
    QUILL_ORPHAN_GRACE_SECONDS: { type: 'integer', minimum: 0, default: 86400 },
    QUILL_TLS_CERT_FILE: { type: 'string' },
    QUILL_TLS_KEY_FILE: { type: 'string' },
    QUILL_TRUST_PROXY: { type: 'string' },
    QUILL_UPLOAD_EXPIRY_HOURS: { type: 'number', exclusiveMinimum: 0, default: 24 },
    QUILL_MAX_OPEN_UPLOADS: { type: 'integer', minimum: 1, default: 20 },
    QUILL_TUS_MIN_PATCH_BYTES: { type: 'integer', minimum: 0, maximum: 1073741824, default: 262144 },
    QUILL_REQUEST_TIMEOUT_MS: { type: 'integer', minimum: 0, default: 3600000 },
    QUILL_SEND_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 3600000, default: 30000 },
    QUILL_MAX_OPEN_DOWNLOADS: { type: 'integer', minimum: 1, default: 10 },
    QUILL_MAX_OPEN_DOWNLOADS_PER_URL: { type: 'integer', minimum: 1, default: 2 },
    QUILL_DB_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 5000 },
    QUILL_METRICS_PORT: { type: 'integer', minimum: 0, maximum: 65535 },
    QUILL_METRICS_HOST: { type: 'string', minLength: 1, default: '127.0.0.1' },
    QUILL_SHUTDOWN_GRACE_S: { type: 'number', minimum: 0, maximum: 3600, default: 5 },
    QUILL_SHUTDOWN_TIMEOUT_S: { type: 'number', minimum: 0, maximum: 86400, default: 60 },
    QUILL_CLAMD_URL: { type: 'string', pattern: '^(tcp://.+:[0-9]+/?|unix:/.+)$' },
    QUILL_SCAN_WHEN_DOWN: { type: 'string', enum: ['refuse', 'hold'], default: 'refuse' },
    QUILL_CLAMD_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 3600000, default: 60000 },
    ...backupSchemaProperties,
    LOG_LEVEL: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
  },
} as const;

/** The schema with each named store's variables added (a new object: env-schema changes the one it is given). */
export function configSchemaFor(storeNames: readonly string[]) {
  return { ...configSchema, properties: { ...configSchema.properties, ...namedStoreSchema(storeNames) } };
}
