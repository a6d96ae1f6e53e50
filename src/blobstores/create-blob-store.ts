import type { Config } from '../config/config.ts';
import type { BlobStore, BlobStoreKind } from '../domain/ports.ts';
import { FsBlobStore } from './fs-store.ts';
import { fsKeyring } from './encryption/fs-keyring-config.ts';

/** Builds any configured store by kind: the live one (QUILL_BLOB_STORE) or another one for migration. */
export async function createBlobStore(cfg: Config, kind: BlobStoreKind, deps: { signingKey: Buffer; baseUrl: () => string }): Promise<BlobStore> {
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
