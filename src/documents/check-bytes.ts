import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../domain/errors.ts';
import { HashingStream, offloadHashing } from './hashing-stream.ts';
import { TypeSniffer } from './type-sniffer.ts';
import type { UploadDeps, UploadInput } from './upload.ts';

/**
 * The checks of an upload's single pass (size limit, SHA-256, the magic-byte type check, the expected digest) run over
 * bytes that are then dropped: what `import --dry-run` says of each file, by the same streams that would check it
 * for real. Throws the AppError an upload would answer with; nothing is stored or written.
 */
export async function checkBytes(d: Pick<UploadDeps, 'allowedContentTypes' | 'maxUploadBytes'>, input: UploadInput): Promise<{ sha256: string; size: number; contentType: string }> {
  const hasher = new HashingStream({ maxBytes: d.maxUploadBytes, offload: offloadHashing(input.sizeHint) });
  const sniffer = new TypeSniffer(d.allowedContentTypes, input.declaredType);
  const drop = new Writable({ write: (_chunk, _enc, cb) => cb() });
  await pipeline(input.body, hasher, sniffer, drop);
  const digests = hasher.digests();
  if (!sniffer.detected || digests.size === 0) throw new AppError('empty_body');
  if (input.expectedSha256 && input.expectedSha256.toString('hex') !== digests.sha256) {
    throw new AppError('digest_mismatch', 'the sha-256 digest given does not match the bytes', { received: digests.sha256 });
  }
  return { sha256: digests.sha256, size: digests.size, contentType: sniffer.detected };
}
