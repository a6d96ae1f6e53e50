// Worker thread: SHA-256 and SHA-1 of large uploads, off the event loop (see hash-offload.ts). Receives filled
// buffers, hashes them in order per job, and sends each buffer back so the main thread can fill it again. Keeps the
// states of resumable uploads between their PATCHes (checkpoints).
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import type { ToWorker } from './hash-offload.ts';

type Hashes = { sha256: Hash; sha1: Hash | null };

const jobs = new Map<number, Hashes>();
/**
 * Resumable uploads' hash states between their PATCHes, by name (hash-offload.ts): node:crypto's state cannot leave
 * the process, so it stays here. The oldest are dropped beyond MAX_CHECKPOINTS (an upload whose state is gone is
 * hashed from its stored bytes at the commit instead).
 */
const checkpoints = new Map<string, Hashes>();
const MAX_CHECKPOINTS = 10_000;

const copy = (h: Hashes): Hashes => ({ sha256: h.sha256.copy(), sha1: h.sha1?.copy() ?? null });
const digests = (h: Hashes) => ({ sha256: h.sha256.digest('hex'), sha1: h.sha1?.digest('hex') ?? '' });

parentPort!.on('message', (m: ToWorker) => {
  if (m.type === 'start') {
    const from = m.from ? checkpoints.get(m.from) : undefined;
    // continuing a state this worker does not hold: the job stays unknown, its data is dropped, its end says 'missing'
    if (m.from && !from) return;
    jobs.set(m.job, from ? copy(from) : { sha256: createHash('sha256'), sha1: m.sha1 ? createHash('sha1') : null });
  } else if (m.type === 'forget') {
    checkpoints.delete(m.name);
  } else if (m.type === 'digest-of') {
    const c = checkpoints.get(m.name);
    parentPort!.postMessage(c ? { type: 'digests', job: m.job, ...digests(copy(c)) } : { type: 'missing', job: m.job });
  } else if (m.type === 'data') {
    const j = jobs.get(m.job);
    const bytes = new Uint8Array(m.buf, 0, m.length);
    j?.sha256.update(bytes);
    j?.sha1?.update(bytes);
    parentPort!.postMessage({ type: 'free', job: m.job, buf: m.buf }, [m.buf]);
  } else if (m.type === 'end') {
    const j = jobs.get(m.job);
    jobs.delete(m.job);
    if (!j) return void parentPort!.postMessage({ type: 'missing', job: m.job });
    if (m.keepAs) {
      checkpoints.delete(m.keepAs);
      checkpoints.set(m.keepAs, copy(j));
      if (checkpoints.size > MAX_CHECKPOINTS) checkpoints.delete(checkpoints.keys().next().value!);
    }
    parentPort!.postMessage({ type: 'digests', job: m.job, ...digests(j) });
  } else {
    jobs.delete(m.job);
  }
});

// loaded: the main thread sends jobs from now on (hash-offload.ts hashWorkerReady)
parentPort!.postMessage({ type: 'ready' });
