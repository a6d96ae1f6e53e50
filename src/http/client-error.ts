import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { AppError, type ErrorCode } from '../domain/errors.ts';
import { PROBLEM_TYPE_BASE } from './problem.ts';

/**
 * Errors Node's HTTP parser raises before a request exists (headers too large, a malformed request line, a
 * request that takes too long): answered as problem+json like every other error, then the connection is closed.
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode =
    err.code === 'HPE_HEADER_OVERFLOW' ? 'request_header_fields_too_large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : err.code === 'HPE_URI_TOO_LONG' ? 'uri_too_long' : 'validation_failed';
  const e = new AppError(code, code === 'validation_failed' ? 'the HTTP request is malformed' : undefined);
  const body = JSON.stringify({ type: `${PROBLEM_TYPE_BASE}${e.code}`, title: e.title, status: e.status, detail: e.message, code: e.code });
  this.log.debug({ err, code }, 'client error');
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${e.status} ${e.title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
