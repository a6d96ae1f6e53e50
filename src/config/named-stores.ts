import { BLOB_STORE_KINDS, isBlobStoreKind, type BlobStoreKind } from '../domain/ports.ts';
import type { Config } from './config.ts';

/**
 * Named stores (QUILL_STORES), so that two stores of the same kind (the single SeaweedFS server and the cluster, or
 * SeaweedFS and AWS) can both be configured, for `migrate-blobs --from <name> --to <name>` and for reading versions
 * that live in either. QUILL_BLOB_STORE and its QUILL_S3_* / QUILL_AZURE_* / QUILL_FS_DIR settings keep working
 * unchanged: they are the stores named `fs`, `s3` and `azure`.
 *
 *   QUILL_STORES=cluster,aws                       names: lower case, [a-z][a-z0-9-]{0,31}, not fs/s3/azure
 *   QUILL_STORE_CLUSTER_KIND=s3                    fs | s3 | azure
 *   QUILL_STORE_CLUSTER_S3_BUCKET=docs             then the settings of that kind, each named like the built-in
 *   QUILL_STORE_CLUSTER_S3_ENDPOINT=http://…       one with QUILL_STORE_<NAME>_ in front (dashes become _):
 *   QUILL_STORE_CLUSTER_S3_ACCESS_KEY_ID=…         S3_BUCKET, S3_ENDPOINT, S3_FORCE_PATH_STYLE, S3_SSE, S3_KMS_KEY_ID,
 *   QUILL_STORE_CLUSTER_S3_SECRET_ACCESS_KEY=…     S3_CA_BUNDLE, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY
 *                                                  (else the default AWS chain); FS_DIR; AZURE_CONTAINER,
 *                                                  AZURE_CONNECTION_STRING, AZURE_ACCOUNT_URL, AZURE_ENCRYPTION_SCOPE.
 * A version records the name of the store its bytes are in, so a named store must keep its name once used.
 */
export interface NamedStoreConfig {
  name: string;
  kind: BlobStoreKind;
  fs: Config['fs'];
  s3: Config['s3'];
  s3Auth: { region: string | null; accessKeyId: string | null; secretAccessKey: string | null };
  azure: Config['azure'];
}

const NAME = /^[a-z][a-z0-9-]{0,31}$/;
const prefixOf = (name: string) => `QUILL_STORE_${name.toUpperCase().replace(/-/g, '_')}_`;

/** Parses QUILL_STORES and each named store's settings; `problems` collects what is wrong (config.ts reports them). */
export function parseNamedStores(env: Record<string, string | undefined>, base: Pick<Config, 'fs' | 's3' | 'azure'>, problems: string[]): NamedStoreConfig[] {
  const list = (env.QUILL_STORES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const out: NamedStoreConfig[] = [];
  for (const name of list) {
    if (!NAME.test(name) || isBlobStoreKind(name) || name === 'fs-encrypted') {
      problems.push(`QUILL_STORES: "${name}" is not a valid store name (lower case letters, digits and -, starting with a letter; not ${BLOB_STORE_KINDS.join('/')}/fs-encrypted)`);
      continue;
    }
    if (out.some((s) => s.name === name)) {
      problems.push(`QUILL_STORES names "${name}" twice`);
      continue;
    }
    const p = prefixOf(name);
    const get = (k: string) => {
      const v = env[`${p}${k}`]?.trim();
      return v ? v : null;
    };
    const kind = get('KIND');
    if (!kind || !isBlobStoreKind(kind)) {
      problems.push(`${p}KIND must be one of ${BLOB_STORE_KINDS.join(', ')}`);
      continue;
    }
    const sse = get('S3_SSE') ?? 'AES256';
    if (sse !== 'AES256' && sse !== 'aws:kms') problems.push(`${p}S3_SSE must be AES256 or aws:kms`);
    const endpoint = get('S3_ENDPOINT');
    if (endpoint && !/^https?:\/\//.test(endpoint)) problems.push(`${p}S3_ENDPOINT must be an http(s) URL`);
    const pathStyle = get('S3_FORCE_PATH_STYLE');
    if (pathStyle && pathStyle !== 'true' && pathStyle !== 'false') problems.push(`${p}S3_FORCE_PATH_STYLE must be true or false`);
    const s: NamedStoreConfig = {
      name,
      kind,
      fs: { ...base.fs, dir: get('FS_DIR') ?? '' },
      s3: { bucket: get('S3_BUCKET'), endpoint, forcePathStyle: pathStyle === 'true', sse: sse as 'AES256' | 'aws:kms', kmsKeyId: get('S3_KMS_KEY_ID'), caBundle: get('S3_CA_BUNDLE'), timeoutMs: base.s3.timeoutMs },
      s3Auth: { region: get('S3_REGION'), accessKeyId: get('S3_ACCESS_KEY_ID'), secretAccessKey: get('S3_SECRET_ACCESS_KEY') },
      azure: { container: get('AZURE_CONTAINER'), connectionString: get('AZURE_CONNECTION_STRING'), accountUrl: get('AZURE_ACCOUNT_URL'), encryptionScope: get('AZURE_ENCRYPTION_SCOPE'), timeoutMs: base.azure.timeoutMs },
    };
    if (kind === 'fs' && !s.fs.dir) problems.push(`${p}FS_DIR is required for an fs store`);
    if (kind === 's3' && !s.s3.bucket) problems.push(`${p}S3_BUCKET is required for an s3 store`);
    if (kind === 's3' && !!s.s3Auth.accessKeyId !== !!s.s3Auth.secretAccessKey) problems.push(`${p}S3_ACCESS_KEY_ID and ${p}S3_SECRET_ACCESS_KEY go together`);
    if (kind === 's3' && s.s3.sse === 'aws:kms' && !s.s3.kmsKeyId) problems.push(`${p}S3_SSE=aws:kms needs ${p}S3_KMS_KEY_ID`);
    if (kind === 'azure' && (!s.azure.container || !(s.azure.connectionString || s.azure.accountUrl))) problems.push(`${p}AZURE_CONTAINER and ${p}AZURE_CONNECTION_STRING or ${p}AZURE_ACCOUNT_URL are required for an azure store`);
    out.push(s);
  }
  return out;
}
