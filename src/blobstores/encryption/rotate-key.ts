import type { FsBlobStore } from '../fs-store.ts';

/**
 * `quill-docstore rotate-key`: re-wraps every object's data key under the keyring's current key-encryption key, in
 * place (header only; the data is not re-encrypted). Passes over the store repeat until one finds nothing left under
 * an old key, which also catches objects a running service wrote with the old key while the rotation ran (services
 * re-read the key file within a second of it changing). Resumable: objects already under the current key are skipped.
 */
export interface RotateProgress {
  pass: number;
  seen: number;
  rewrapped: number;
  current: number;
  plaintext: number;
  failed: number;
}

export interface RotateReport extends RotateProgress {
  kekId: string;
  failures: { key: string; reason: string }[];
  elapsedMs: number;
}

export async function rotateKeys(store: FsBlobStore, onProgress?: (p: RotateProgress) => void): Promise<RotateReport> {
  const keyring = store.keyring;
  if (!keyring) throw new Error('encryption is off (QUILL_FS_ENCRYPTION=false)');
  const started = Date.now();
  const p: RotateProgress = { pass: 0, seen: 0, rewrapped: 0, current: 0, plaintext: 0, failed: 0 };
  const failures = new Map<string, string>();
  for (;;) {
    p.pass++;
    let rewrappedThisPass = 0;
    for await (const l of store.list('')) {
      if (l.key.startsWith('.incoming/')) continue;
      if (p.pass === 1) p.seen++;
      try {
        const out = await store.rewrap(l.key);
        if (out === 'rewrapped') {
          p.rewrapped++;
          rewrappedThisPass++;
          failures.delete(l.key);
        } else if (p.pass === 1) {
          if (out === 'current') p.current++;
          else p.plaintext++;
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed meanwhile (reconcile)
        if (!failures.has(l.key)) p.failed++;
        failures.set(l.key, (e as Error).message);
      }
      onProgress?.({ ...p });
    }
    if (rewrappedThisPass === 0 || p.pass >= 10) break;
  }
  return { ...p, kekId: keyring.current.id.toString('hex'), failures: [...failures].map(([key, reason]) => ({ key, reason })), elapsedMs: Date.now() - started };
}
