import { AppError } from '../domain/errors.ts';
import { isBlobStoreKind, type BlobStore, type BlobStores } from '../domain/ports.ts';

/** The live store plus any other configured store, built on first use (src/bootstrap.ts openStores makes it). */
export class BlobStoreRegistry implements BlobStores {
  readonly live: BlobStore;
  readonly #create: (name: string) => Promise<BlobStore>;
  readonly #known: readonly string[];
  readonly #stores = new Map<string, Promise<BlobStore>>();

  /** known: the names that may be asked for besides fs/s3/azure (the QUILL_STORES ones). */
  constructor(live: BlobStore, create: (name: string) => Promise<BlobStore>, known: readonly string[] = []) {
    this.#known = known;
    this.live = live;
    this.#create = create;
    this.#stores.set(live.kind, Promise.resolve(live));
  }

  /** The store of that name, built on first use; rejects with the reason when it cannot be built (a command names it). */
  open(name: string): Promise<BlobStore> {
    let store = this.#stores.get(name);
    if (!store) {
      store = this.#create(name);
      this.#stores.set(name, store);
      store.catch(() => this.#stores.delete(name)); // tried again next time
    }
    return store;
  }

  /** The store a version lives in; one that is unknown or cannot be built is storage_unavailable. */
  of(name: string): Promise<BlobStore> {
    if (!this.#stores.has(name) && !isBlobStoreKind(name) && !this.#known.includes(name)) return Promise.reject(new AppError('storage_unavailable', `unknown blob store ${name}`, { layer: 'blob' }));
    return this.open(name).catch((e: unknown) => {
      throw new AppError('storage_unavailable', `a version lives in the ${name} store, which is not configured here: ${(e as Error).message}`, { layer: 'blob' }, { cause: e, retryAfter: 60 });
    });
  }

  /** Closes the keep-alive connections of every store built so far (the end of a command). */
  async close(): Promise<void> {
    for (const store of this.#stores.values()) (await store.catch(() => null))?.destroy?.();
  }
}
