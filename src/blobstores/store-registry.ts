import { AppError } from '../domain/errors.ts';
import { isBlobStoreKind, type BlobStore, type BlobStoreKind, type BlobStores } from '../domain/ports.ts';

/** The live store plus any other configured store, built on first use. */
export class BlobStoreRegistry implements BlobStores {
  readonly live: BlobStore;
  readonly #create: (kind: BlobStoreKind) => Promise<BlobStore>;
  readonly #stores = new Map<string, Promise<BlobStore>>();

  constructor(live: BlobStore, create: (kind: BlobStoreKind) => Promise<BlobStore>) {
    this.live = live;
    this.#create = create;
    this.#stores.set(live.kind, Promise.resolve(live));
  }

  of(kind: string): Promise<BlobStore> {
    let store = this.#stores.get(kind);
    if (!store) {
      if (!isBlobStoreKind(kind)) return Promise.reject(new AppError('storage_unavailable', `unknown blob store ${kind}`, { layer: 'blob' }));
      store = this.#create(kind).catch((e: unknown) => {
        this.#stores.delete(kind);
        throw new AppError('storage_unavailable', `a version lives in the ${kind} store, which is not configured here: ${(e as Error).message}`, { layer: 'blob' }, { cause: e, retryAfter: 60 });
      });
      this.#stores.set(kind, store);
    }
    return store;
  }
}
