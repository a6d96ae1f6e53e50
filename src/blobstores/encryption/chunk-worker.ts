// Worker thread: AES-256-GCM for large objects of the encrypted filesystem store, off the event loop (see
// chunk-offload.ts). Seals batches of plaintext chunks and opens batches of sealed chunks, with the chunk functions of
// format.ts, so the bytes on disk are exactly those sealed on the event loop. Each batch's input buffer goes back with
// its answer, to be filled again.
import { parentPort } from 'node:worker_threads';
import { AppError } from '../../domain/errors.ts';
import { chunkKey, openChunk, sealChunkPieces, TAG, type ChunkKey } from './format.ts';
import type { FromChunkWorker, ToChunkWorker } from './chunk-offload.ts';

const jobs = new Map<number, { key: ChunkKey; chunk: number }>();

/** The bytes as an ArrayBuffer of their own (as node:crypto's outputs are; copied otherwise), to transfer. */
function own(b: Buffer): ArrayBuffer {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length) return b.buffer as ArrayBuffer;
  return Uint8Array.prototype.slice.call(b).buffer as ArrayBuffer;
}

function answer(m: FromChunkWorker, transfer: ArrayBuffer[]): void {
  parentPort!.postMessage(m, transfer);
}

parentPort!.on('message', (m: ToChunkWorker) => {
  if (m.type === 'start') {
    jobs.set(m.job, { key: chunkKey(Buffer.from(m.key)), chunk: 1 << m.chunkLog2 });
    return;
  }
  if (m.type === 'end') {
    jobs.delete(m.job);
    return;
  }
  const j = jobs.get(m.job);
  if (!j) return; // ended (the stream was torn down): drop the batch
  const input = Buffer.from(m.buf, 0, m.length);
  try {
    // node:crypto gives each chunk's output (and tag) its own ArrayBuffer: they travel back as they are, uncopied
    const parts: Buffer[] = [];
    if (m.type === 'seal') {
      // plaintext chunks, all full but the batch's final one, which is the object's last when m.last
      const n = Math.max(1, Math.ceil(m.length / j.chunk));
      for (let i = 0; i < n; i++) {
        const piece = input.subarray(i * j.chunk, Math.min(m.length, (i + 1) * j.chunk));
        parts.push(...sealChunkPieces(j.key, m.first + i, m.last && i === n - 1, [piece]));
      }
    } else {
      // sealed chunks, all full but the object's last; m.lastIndex is the object's final chunk
      const sealed = j.chunk + TAG;
      for (let i = 0; i * sealed < m.length; i++) {
        const index = m.first + i;
        parts.push(openChunk(j.key, index, index === m.lastIndex, input.subarray(i * sealed, Math.min(m.length, (i + 1) * sealed))));
      }
    }
    const out = parts.filter((b) => b.length).map(own);
    answer({ type: 'done', job: m.job, parts: out, buf: m.buf }, [...out, m.buf]);
  } catch (e) {
    const refused = e instanceof AppError && e.code === 'integrity_failure' ? e.message : null;
    answer({ type: 'refused', job: m.job, message: refused ?? (e as Error).message, integrity: refused !== null, buf: m.buf }, [m.buf]);
  }
});

// loaded: the main thread sends jobs from now on (offload/job-worker.ts)
parentPort!.postMessage({ type: 'ready' });
