import type { Readable } from 'node:stream';
import type { BlobPutOptions, BlobStore, PresignOptions } from '../domain/ports.ts';

/**
 * A store under a configured name (QUILL_STORES): the same store, but versions written through it record `name`, so
 * two stores of one kind (two S3 endpoints) stay apart. Delegation rather than a subclass, because the stores keep
 * private state that only their own instance can reach.
 */
export function namedStore(inner: BlobStore, name: string): BlobStore & { destroy(): void } {
  return {
    kind: name,
    put: (key: string, body: Readable, opts: BlobPutOptions) => inner.put(key, body, opts),
    get: (key: string, versionId: string | null) => inner.get(key, versionId),
    presign: (key: string, versionId: string | null, opts: PresignOptions) => inner.presign(key, versionId, opts),
    delete: (key: string, versionId: string | null) => inner.delete(key, versionId),
    list: (prefix: string) => inner.list(prefix),
    abortIncompleteUploads: (before: Date) => inner.abortIncompleteUploads(before),
    ping: () => inner.ping(),
    doctor: () => inner.doctor(),
    destroy: () => (inner as { destroy?: () => void }).destroy?.(),
  };
}
