// The stall watchdog on real loopback sockets: a server that stops answering gets the connection closed with
// ETIMEDOUT; an idle connection whose every request was answered is left alone, however long it idles.
import net from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { stallWatchedSocket } from '../../src/db/stall-watchdog.ts';

const STALL_MS = 150;
const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A server that answers each received chunk with `answer(chunk)` (nothing when it returns null). */
async function server(answer: (chunk: Buffer, n: number) => Buffer | null): Promise<number> {
  const s = net.createServer((c) => {
    let n = 0;
    c.on('data', (d: Buffer) => {
      const a = answer(d, n++);
      if (a) c.write(a);
    });
    c.on('error', () => undefined);
  });
  servers.push(s);
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return (s.address() as net.AddressInfo).port;
}

const msg = (type: string, body = Buffer.alloc(0)) => {
  const b = Buffer.alloc(5 + body.length);
  b.write(type, 0, 'latin1');
  b.writeInt32BE(4 + body.length, 1);
  body.copy(b, 5);
  return b;
};
const startup = () => {
  const b = Buffer.alloc(8);
  b.writeInt32BE(8, 0);
  b.writeInt32BE(196608, 4); // protocol 3.0
  return b;
};
const ready = () => msg('Z', Buffer.from('I'));
const open = (port: number) => stallWatchedSocket(STALL_MS)({ host: ['127.0.0.1'], port: [port] });

async function closedWith(socket: net.Socket): Promise<string | null> {
  let code: string | null = null;
  socket.on('error', (e: NodeJS.ErrnoException) => (code = e.code ?? 'error'));
  // not events.once, which rejects on 'error'; a socket never closed fails the test instead of hanging it
  const closed = await Promise.race([new Promise((r) => socket.once('close', () => r(true))), sleep(10_000).then(() => false)]);
  if (!closed) socket.destroy();
  return closed ? code : 'still open';
}

describe('stall watchdog', () => {
  it('closes a connection whose server never answers', async () => {
    const socket = open(await server(() => null));
    socket.write(startup());
    expect(await closedWith(socket)).toBe('ETIMEDOUT');
  });

  it('leaves an answered, idle connection alone', async () => {
    const socket = open(await server(() => ready()));
    socket.write(startup());
    await once(socket, 'data');
    socket.write(Buffer.concat([msg('P', Buffer.from('\0select 1\0\0\0')), msg('S')]));
    await once(socket, 'data');
    await sleep(STALL_MS * 4);
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });

  it('closes a connection when one of two pipelined requests is never answered, though data keeps the other flowing', async () => {
    // the first chunk (startup) and the first Sync are answered; the second gets a notice but never its
    // ReadyForQuery: data arrived after the last write, so only counting ReadyForQuery notices the stall
    const socket = open(await server((_d, n) => (n < 2 ? ready() : msg('N', Buffer.from('\0')))));
    socket.write(startup());
    await once(socket, 'data');
    socket.write(msg('S'));
    await once(socket, 'data');
    socket.write(msg('S'));
    expect(await closedWith(socket)).toBe('ETIMEDOUT');
  });

  it('counts ReadyForQuery across chunk boundaries', async () => {
    // the answer arrives one byte at a time, split mid-header
    const s = net.createServer((c) => {
      c.on('data', async () => {
        for (const byte of ready()) {
          c.write(Buffer.from([byte]));
          await sleep(5);
        }
      });
      c.on('error', () => undefined);
    });
    servers.push(s);
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
    const socket = open((s.address() as net.AddressInfo).port);
    socket.write(startup());
    await sleep(STALL_MS * 4);
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });
});
