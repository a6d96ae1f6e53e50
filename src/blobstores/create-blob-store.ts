import type { Config } from '../config/config.ts';
import type { NamedStoreConfig } from '../config/named-stores.ts';
import { isBlobStoreKind, type BlobStore } from '../domain/ports.ts';
import { namedStore } from './named-store.ts';
import { FsBlobStore } from './fs-store.ts';
import { fsKeyring } from './encryption/fs-keyring-config.ts';

/** Builds any configured store by kind: the live one (QUILL_BLOB_STORE) or another one for migration. */
export async function createBlobStore(cfg: Config, kind: string, deps: { signingKey: Buffer; baseUrl: () => string }): Promise<BlobStore> {
  if (!isBlobStoreKind(kind)) {
    const named = cfg.stores.find((s) => s.name === kind);
    if (!named) throw new Error(`no store named ${kind} (QUILL_STORES)`);
    return namedStore(await createNamed(cfg, named, deps), named.name);
  }
  switch (kind) {
    case 'fs':
      return new FsBlobStore({ dir: cfg.fs.dir, signingKey: deps.signingKey, baseUrl: deps.baseUrl, keyring: await fsKeyring(cfg) });
    case 's3': {
      if (!cfg.s3.bucket) throw new Error('QUILL_S3_BUCKET is not set');
      const { S3BlobStore } = await import('./s3-store.ts');
      return new S3BlobStore(cfg.s3, { browserDownloads: cfg.browserDownloads, retentionDays: cfg.backup?.retentionDays });
    }
    case 'azure': {
      if (!cfg.azure.container || !(cfg.azure.connectionString || cfg.azure.accountUrl)) throw new Error('QUILL_AZURE_CONTAINER and a connection string or account URL are not set');
      const { AzureBlobStore } = await import('./azure-store.ts');
      return new AzureBlobStore(cfg.azure);
    }
  }
}

/** A named store: its own settings in place of the built-in ones of its kind (and its own S3 credentials if given). */
async function createNamed(cfg: Config, n: NamedStoreConfig, deps: { signingKey: Buffer; baseUrl: () => string }): Promise<BlobStore> {
  if (n.kind === 's3') {
    const { S3BlobStore } = await import('./s3-store.ts');
    const { accessKeyId, secretAccessKey, region } = n.s3Auth;
    return new S3BlobStore(n.s3, {
      browserDownloads: cfg.browserDownloads,
      retentionDays: cfg.backup?.retentionDays,
      ...(region ? { region } : {}),
      ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    });
  }
  return createBlobStore({ ...cfg, fs: n.fs, azure: n.azure }, n.kind, deps);
}
