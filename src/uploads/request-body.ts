import type { Readable, Transform } from 'node:stream';
import { AppError } from '../domain/errors.ts';

/**
 * Pipes an http request body into dest by hand, because stream.pipeline would destroy dest when the client drops
 * the connection. With keepPartial the bytes that did arrive are ended normally, so the store keeps them and the
 * client resumes from there (tus: the server should keep as much as it received).
 */
export function feed(body: Readable & { complete?: boolean }, dest: Transform, o: { keepPartial: boolean }): void {
  let done = false;
  const finish = (err?: Error) => {
    if (done) return;
    done = true;
    body.off('data', onData);
    if (err && !o.keepPartial) dest.destroy(err);
    else dest.end();
  };
  const onData = (chunk: Buffer) => {
    // once the checks or the store gave up, discard the rest: writing to a destroyed stream returns false and no
    // 'drain' ever follows, which left the body paused and the keep-alive connection stalled for the next request
    if (dest.destroyed) return;
    if (!dest.write(chunk)) body.pause();
  };
  dest.on('drain', () => body.resume());
  dest.on('error', () => body.resume()); // keep reading so the socket is not left stalled
  body.on('data', onData);
  body.on('end', () => finish());
  body.on('error', (e) => finish(e));
  body.on('close', () => finish(body.complete === false ? new AppError('upload_aborted') : undefined));
}
