import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ContainerClient } from '@azure/storage-blob';
import { AppError } from '../../domain/errors.ts';
import type { BlobComposer, BlobPutResult, ComposeState } from '../../domain/ports.ts';
import { mapAzureError, restCode, statusOf } from './errors.ts';

interface AzureState {
  contentType: string;
  /** Staged blocks that count, in order (base64 ids, all of one length as Azure requires). */
  blocks: string[];
}

const azureState = (s: ComposeState): AzureState => s.store as unknown as AzureState;

export interface AzureComposeHost {
  container: ContainerClient;
  blockSize: number;
  concurrency: number;
  encryptionScope: string | undefined;
}

/**
 * Azure's composing: each PATCH's bytes are staged as blocks of the document's blob (8 MiB each, up to four in
 * flight), and the commit commits the block list once (If-None-Match: *, as every put). Azure takes blocks of any
 * size, so nothing waits between PATCHes. Each run's blocks get fresh ids, so a run that never counts cannot replace
 * a block that does; blocks left uncommitted are discarded by Azure when the list is committed, or after 7 days.
 */
export class AzureComposer implements BlobComposer {
  readonly #h: AzureComposeHost;

  constructor(host: AzureComposeHost) {
    this.#h = host;
  }

  async start(key: string, o: { prefix: string; length: number; contentType: string }): Promise<ComposeState> {
    return { key, prefix: o.prefix, length: o.length, size: 0, holds: [], store: { contentType: o.contentType, blocks: [] } satisfies AzureState };
  }

  async append(state: ComposeState, body: Readable): Promise<ComposeState> {
    const blob = this.#h.container.getBlockBlobClient(state.key);
    const staged: string[] = [];
    const inflight = new Set<Promise<void>>();
    let failure: unknown = null;
    let buf: Buffer[] = [];
    let buffered = 0;
    let received = 0;
    const stage = async (data: Buffer) => {
      const id = Buffer.from(randomUUID()).toString('base64');
      staged.push(id);
      const p: Promise<void> = blob
        .stageBlock(id, data, data.length, this.#h.encryptionScope ? { encryptionScope: this.#h.encryptionScope } : {})
        .then(() => undefined, (e: unknown) => void (failure ??= e));
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      if (inflight.size >= this.#h.concurrency) await Promise.race(inflight);
      if (failure) throw failure;
    };
    try {
      for await (const chunk of body) {
        const c = chunk as Buffer;
        received += c.length;
        if (state.size + received > state.length) throw new AppError('payload_too_large', 'more bytes than the upload\'s length');
        buf.push(c);
        buffered += c.length;
        if (buffered >= this.#h.blockSize) {
          let all = Buffer.concat(buf, buffered);
          while (all.length >= this.#h.blockSize) {
            await stage(all.subarray(0, this.#h.blockSize));
            all = all.subarray(this.#h.blockSize);
          }
          buf = all.length ? [all] : [];
          buffered = all.length;
        }
      }
      if (buffered) await stage(Buffer.concat(buf, buffered));
      while (inflight.size) await Promise.race(inflight);
      if (failure) throw failure;
      const s = azureState(state);
      return { ...state, size: state.size + received, store: { ...s, blocks: [...s.blocks, ...staged] } satisfies AzureState };
    } catch (e) {
      await Promise.allSettled([...inflight]);
      if (!body.destroyed) body.destroy();
      throw mapAzureError(e, `appending to ${state.key}`);
    }
  }

  async finish(state: ComposeState): Promise<BlobPutResult> {
    if (state.size !== state.length) throw new AppError('validation_failed', `the composed object has ${state.size} of its ${state.length} bytes`);
    const s = azureState(state);
    try {
      const out = await this.#h.container.getBlockBlobClient(state.key).commitBlockList(s.blocks, {
        blobHTTPHeaders: { blobContentType: s.contentType },
        conditions: { ifNoneMatch: '*' },
        ...(this.#h.encryptionScope ? { encryptionScope: this.#h.encryptionScope } : {}),
      });
      return { versionId: out.versionId ?? null };
    } catch (e) {
      const code = restCode(e);
      if (code === 'InvalidBlockList') throw new AppError('integrity_failure', `the store no longer holds the blocks of ${state.key} as they were received`, {}, { cause: e });
      if (code === 'BlobAlreadyExists' || code === 'ConditionNotMet' || statusOf(e) === 409 || statusOf(e) === 412) {
        throw new AppError('object_exists', `object key ${state.key} already exists; keys are never reused`, {}, { cause: e });
      }
      throw mapAzureError(e, `finishing ${state.key}`);
    }
  }

  /** Uncommitted blocks are discarded by Azure itself (after 7 days): nothing to call. */
  async abandon(_state: ComposeState): Promise<void> {}
}
