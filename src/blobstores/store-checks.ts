import type { BlobStore, StoreCheck } from '../domain/ports.ts';

/** The store's doctor(); a doctor that throws is itself a failed check, never an exception. */
export async function storeChecks(store: BlobStore): Promise<StoreCheck[]> {
  try {
    return await store.doctor();
  } catch (e) {
    return [{ name: `${store.kind}.doctor`, ok: false, detail: `the ${store.kind} store's checks failed: ${(e as Error).message}` }];
  }
}

export interface CachedDoctor {
  /** The store's checks, re-run at most once per ttl; concurrent callers share one run. */
  (): Promise<{ checkedAt: string; checks: StoreCheck[] }>;
}

/** Keeps /readyz cheap: the deeper checks (several requests; a probe write on Azure) run at most once a minute. */
export function cachedDoctor(store: BlobStore, ttlMs = 60_000, seed?: StoreCheck[]): CachedDoctor {
  let cached: { at: number; value: Promise<{ checkedAt: string; checks: StoreCheck[] }> } | null = seed
    ? { at: Date.now(), value: Promise.resolve({ checkedAt: new Date().toISOString(), checks: seed }) }
    : null;
  return () => {
    if (!cached || Date.now() - cached.at >= ttlMs) {
      const at = Date.now();
      const value = storeChecks(store).then((checks) => ({ checkedAt: new Date(at).toISOString(), checks }));
      cached = { at, value };
    }
    return cached.value;
  };
}

