import type { Config } from '../config/config.ts';
import type { BlobStore } from '../domain/ports.ts';
import { FsBlobStore } from './fs-store.ts';
import { fsKeyring } from './encryption/fs-keyring-config.ts';

/** What the fs store needs from outside its configuration: the key that signs its URLs and where it is reached. */
export interface StoreDeps {
  signingKey: Buffer;
  baseUrl: () => string;
}

/**
 * Builds a configured store by name: a built-in one (fs, s3, azure) or a named one (QUILL_STORES), from its entry in
 * cfg.stores. The store takes its name from that entry: it is what the versions written through it record.
 */
export async function createBlobStore(cfg: Config, name: string, deps: StoreDeps): Promise<BlobStore> {
  const store = cfg.stores.find((s) => s.name === name);
  if (!store) throw new Error(`no store named ${name} (QUILL_STORES)`);
  switch (store.kind) {
    case 'fs':
      return new FsBlobStore({ name: store.name, dir: store.dir, signingKey: deps.signingKey, baseUrl: deps.baseUrl, keyring: await fsKeyring(cfg) });
    case 's3': {
      if (!store.bucket) throw new Error('QUILL_S3_BUCKET is not set');
      const { S3BlobStore } = await import('./s3/s3-store.ts');
      return new S3BlobStore(store, { browserDownloads: cfg.browserDownloads, retentionDays: cfg.backup?.retentionDays });
    }
    case 'azure': {
      if (!store.container || !(store.connectionString || store.accountUrl)) throw new Error('QUILL_AZURE_CONTAINER and a connection string or account URL are not set');
      const { AzureBlobStore } = await import('./azure/azure-store.ts');
      return new AzureBlobStore(store);
    }
  }
}
