import net from 'node:net';

/**
 * A socket for postgres.js that is destroyed when PostgreSQL stops answering: while a request is outstanding (bytes
 * written and not answered, or a Sync/Query whose ReadyForQuery has not arrived) and nothing has been read for
 * `stallMs`, the connection is closed with ETIMEDOUT. postgres.js then fails the queries on it (503 upstream), the
 * server rolls back its open transaction, and the pool slot is free for a fresh connection.
 *
 * Why hand-written: postgres.js bounds connecting (connect_timeout) but nothing after that, and a server-side
 * statement_timeout cannot fire in a server that is stopped (SIGSTOP, a hung host, a network black hole): the
 * kernel keeps ACKing, so TCP keepalive and TCP_USER_TIMEOUT do not notice either. Only the client can.
 *
 * ReadyForQuery counting needs the plaintext protocol; on TLS connections only the written-but-unread rule applies.
 */
export function stallWatchedSocket(stallMs: number) {
  return (o: { host: string[]; port: number[]; path?: string | false }): net.Socket => {
    const socket = o.path ? net.connect(o.path) : net.connect(o.port[0]!, o.host[0]!);
    watchStalls(socket, stallMs);
    return socket;
  };
}

const READY_FOR_QUERY = 0x5a; // 'Z'
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;

/** Destroys `socket` with ETIMEDOUT when a request on it goes unanswered for `stallMs` (see stallWatchedSocket). */
export function watchStalls(socket: net.Socket, stallMs: number): void {
  let lastRead = Date.now();
  let unanswered = false; // bytes written since the last bytes read
  let expected = 0; // ReadyForQuery messages owed by the server
  let received = 0;
  let counting = true; // false once the protocol is not plaintext we can frame (TLS), or framing fails
  let firstWrite = true;
  let since = Date.now(); // start of the current wait
  let timer: NodeJS.Timeout | null = null;

  // incoming framing: 1 type byte + int32 length (including itself), body
  let header = Buffer.alloc(0);
  let skip = 0;

  const pending = () => unanswered || (counting && expected > received);
  const check = () => {
    timer = null;
    if (socket.destroyed || !pending()) return;
    const waited = Date.now() - Math.max(lastRead, since);
    if (waited >= stallMs) {
      socket.destroy(Object.assign(new Error(`PostgreSQL did not answer within ${stallMs} ms`), { code: 'ETIMEDOUT' }));
      return;
    }
    timer = setTimeout(check, stallMs - waited);
    timer.unref();
  };
  const arm = () => {
    if (!timer && pending()) {
      timer = setTimeout(check, stallMs);
      timer.unref();
    }
  };

  const write = socket.write.bind(socket) as (...a: unknown[]) => boolean;
  socket.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (!pending()) since = Date.now();
    unanswered = true;
    if (counting && Buffer.isBuffer(chunk)) countWrites(chunk);
    arm();
    return write(chunk, ...rest);
  }) as typeof socket.write;

  function countWrites(b: Buffer): void {
    let i = 0;
    if (firstWrite) {
      firstWrite = false;
      const code = b.length >= 8 ? b.readInt32BE(4) : 0;
      if (code === SSL_REQUEST) return void (counting = false);
      if (code === CANCEL_REQUEST) return void (counting = false);
      expected += 1; // StartupMessage: answered by ReadyForQuery once authenticated
      i = b.length >= 4 ? b.readInt32BE(0) : b.length;
    }
    while (i < b.length) {
      if (i + 5 > b.length) return void (counting = false);
      const type = b[i]!;
      const len = b.readInt32BE(i + 1);
      if (len < 4) return void (counting = false);
      if (type === SYNC || type === QUERY) expected += 1;
      i += 1 + len;
    }
    if (i !== b.length) counting = false;
  }

  socket.on('data', (d: Buffer) => {
    lastRead = Date.now();
    unanswered = false;
    if (counting) countReads(d);
    if (!pending() && timer) {
      clearTimeout(timer);
      timer = null;
    }
  });

  function countReads(d: Buffer): void {
    let i = 0;
    while (i < d.length) {
      if (skip > 0) {
        const n = Math.min(skip, d.length - i);
        skip -= n;
        i += n;
        continue;
      }
      if (header.length === 0 && i + 5 <= d.length) {
        // the usual case, a whole header in this chunk: read it in place (no copy per message)
        if (d[i] === READY_FOR_QUERY) received += 1;
        skip = d.readInt32BE(i + 1) - 4;
        i += 5;
        if (skip < 0) return void (counting = false);
        continue;
      }
      const need = 5 - header.length;
      header = Buffer.concat([header, d.subarray(i, i + need)]);
      i += Math.min(need, d.length - i);
      if (header.length < 5) return;
      if (header[0] === READY_FOR_QUERY) received += 1;
      skip = header.readInt32BE(1) - 4;
      header = Buffer.alloc(0);
      if (skip < 0) return void (counting = false);
    }
  }

  socket.once('close', () => {
    if (timer) clearTimeout(timer);
  });
}
