// Worker thread: SHA-256 and SHA-1 of large uploads, off the event loop (see hash-offload.ts). Receives filled
// buffers, hashes them in order per job, and sends each buffer back so the main thread can fill it again.
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import type { ToWorker } from './hash-offload.ts';

const jobs = new Map<number, { sha256: Hash; sha1: Hash | null }>();

parentPort!.on('message', (m: ToWorker) => {
  if (m.type === 'start') {
    jobs.set(m.job, { sha256: createHash('sha256'), sha1: m.sha1 ? createHash('sha1') : null });
  } else if (m.type === 'data') {
    const j = jobs.get(m.job);
    const bytes = new Uint8Array(m.buf, 0, m.length);
    j?.sha256.update(bytes);
    j?.sha1?.update(bytes);
    parentPort!.postMessage({ type: 'free', job: m.job, buf: m.buf }, [m.buf]);
  } else if (m.type === 'end') {
    const j = jobs.get(m.job);
    jobs.delete(m.job);
    if (j) parentPort!.postMessage({ type: 'digests', job: m.job, sha256: j.sha256.digest('hex'), sha1: j.sha1?.digest('hex') ?? '' });
  } else {
    jobs.delete(m.job);
  }
});

// loaded: the main thread sends jobs from now on (hash-offload.ts hashWorkerReady)
parentPort!.postMessage({ type: 'ready' });
