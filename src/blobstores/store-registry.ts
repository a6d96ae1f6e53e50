import { AppError } from '../domain/errors.ts';
import { isBlobStoreKind, type BlobStore, type BlobStores } from '../domain/ports.ts';

/** The live store plus any other configured store, built on first use. */
export class BlobStoreRegistry implements BlobStores {
  readonly live: BlobStore;
  readonly #create: (kind: string) => Promise<BlobStore>;
  readonly #known: readonly string[];
  readonly #stores = new Map<string, Promise<BlobStore>>();

  /** known: the names besides fs/s3/azure that may be asked for (QUILL_STORES). */
  constructor(live: BlobStore, create: (kind: string) => Promise<BlobStore>, known: readonly string[] = []) {
    this.#known = known;
    this.live = live;
    this.#create = create;
    this.#stores.set(live.kind, Promise.resolve(live));
  }

  of(kind: string): Promise<BlobStore> {
    let store = this.#stores.get(kind);
    if (!store) {
      if (!isBlobStoreKind(kind) && !this.#known.includes(kind)) return Promise.reject(new AppError('storage_unavailable', `unknown blob store ${kind}`, { layer: 'blob' }));
      store = this.#create(kind).catch((e: unknown) => {
        this.#stores.delete(kind);
        throw new AppError('storage_unavailable', `a version lives in the ${kind} store, which is not configured here: ${(e as Error).message}`, { layer: 'blob' }, { cause: e, retryAfter: 60 });
      });
      this.#stores.set(kind, store);
    }
    return store;
  }
}
