import type { ServerResponse } from 'node:http';

/**
 * Bounds how long a response may wait for a client that stopped reading (QUILL_SEND_TIMEOUT_MS): while bytes wait to
 * be taken (the socket's buffer is not empty) and none has moved for that long, the connection is closed, which ends
 * the response, its stream and the store read behind it. A source that is merely slow (nothing waiting to be sent) is
 * not this bound's business: the stores' own idle bounds cover it. Hand-written because Node's socket timeout counts
 * both directions and is shared with the keep-alive timer; this watches only the response's own progress.
 */
export function boundStalledSend(res: ServerResponse, ms: number, onStall?: () => void): void {
  const socket = res.socket;
  if (!socket) return;
  let moved = socket.bytesWritten;
  let since = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const written = socket.bytesWritten;
    const waiting = socket.writableLength > 0 || res.writableNeedDrain;
    if (written !== moved || !waiting) {
      moved = written;
      since = now;
      return;
    }
    if (now - since >= ms) {
      clearInterval(timer);
      onStall?.();
      socket.destroy();
    }
  }, Math.max(50, Math.min(1000, Math.floor(ms / 4))));
  timer.unref();
  res.once('close', () => clearInterval(timer));
}
