import net from 'node:net';
import type { MalwareScanner, ScannerIdentity, ScanSession, ScanVerdict } from '../domain/ports.ts';
import { describeClamd, parseClamdUrl, type ClamdAddress } from './clamd-address.ts';
import { parseInstreamReply, parseVersionReply } from './clamd-replies.ts';

/**
 * clamd over its socket (tcp:// or unix:), speaking the z-commands of clamd(8): INSTREAM (the bytes in chunks, each
 * behind its 4-byte big-endian length, then a zero length), VERSION and PING. Every wait is bounded by timeoutMs
 * (QUILL_CLAMD_TIMEOUT_MS): connecting, clamd taking bytes, and its answer after the last one. Hand-written: the
 * protocol is small, and the npm clients buffer whole files or cannot stream a body that is also going elsewhere.
 */

/** How long clamd's name and signature version are reused before VERSION is asked again. */
const IDENTITY_TTL_MS = 60_000;
const MAX_REPLY_BYTES = 64 * 1024;

const frame = (n: number) => {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n);
  return b;
};

function connect(a: ClamdAddress): net.Socket {
  const s = 'path' in a ? net.connect({ path: a.path }) : net.connect({ host: a.host, port: a.port });
  s.setNoDelay(true);
  return s;
}

/** Sends one short command and reads its NUL-terminated answer, all within timeoutMs. */
function command(a: ClamdAddress, cmd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(a);
    const got: Buffer[] = [];
    let size = 0;
    const fail = (e: Error) => {
      clearTimeout(timer);
      s.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(new Error(`clamd at ${describeClamd(a)} did not answer ${cmd} within ${timeoutMs} ms`)), timeoutMs);
    s.on('data', (d: Buffer) => {
      got.push(d);
      size += d.length;
      if (d.includes(0) || size > MAX_REPLY_BYTES) {
        clearTimeout(timer);
        s.destroy();
        resolve(Buffer.concat(got).toString('latin1').split('\0')[0]!);
      }
    });
    s.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(got).toString('latin1'));
    });
    s.on('error', (e) => fail(new Error(`clamd at ${describeClamd(a)}: ${e.message}`)));
    s.write(`z${cmd}\0`);
  });
}

export class ClamdScanner implements MalwareScanner {
  readonly #address: ClamdAddress;
  readonly #timeoutMs: number;
  #identity: { at: number; value: Promise<ScannerIdentity> } | null = null;

  constructor(url: string, timeoutMs: number) {
    this.#address = parseClamdUrl(url);
    this.#timeoutMs = timeoutMs;
  }

  get where(): string {
    return describeClamd(this.#address);
  }

  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  scan(): ScanSession {
    return new ClamdSession(this.#address, this.#timeoutMs, () => this.identity(), (bytes) => this.takesStreamOf(bytes));
  }

  identity(): Promise<ScannerIdentity> {
    const now = Date.now();
    if (!this.#identity || now - this.#identity.at > IDENTITY_TTL_MS) {
      const value = command(this.#address, 'VERSION', this.#timeoutMs).then(parseVersionReply);
      this.#identity = { at: now, value };
      value.catch(() => {
        if (this.#identity?.value === value) this.#identity = null; // ask again next time
      });
    }
    return this.#identity.value;
  }

  /** PING → PONG. */
  async ping(): Promise<void> {
    const reply = await command(this.#address, 'PING', this.#timeoutMs);
    if (reply.trim() !== 'PONG') throw new Error(`clamd at ${this.where} answered PING with ${JSON.stringify(reply.slice(0, 80))}`);
  }

  /**
   * Whether clamd takes a stream of `bytes` (its StreamMaxLength), without sending them: clamd checks each INSTREAM
   * chunk's declared length against what the stream may still hold before reading it, and refuses at once with
   * "INSTREAM size limit exceeded". Silence for a moment means it is waiting for the bytes: the length is accepted.
   */
  async takesStreamOf(bytes: number): Promise<boolean> {
    if (bytes > 0xffffffff) return false; // a chunk length is 32 bits; clamd's own limit is below 4 GiB
    return new Promise((resolve, reject) => {
      const s = connect(this.#address);
      let answer = '';
      const done = (v: boolean | Error) => {
        clearTimeout(timer);
        s.destroy();
        if (v instanceof Error) reject(v);
        else resolve(v);
      };
      const timer = setTimeout(() => done(true), Math.min(1000, this.#timeoutMs));
      s.on('data', (d: Buffer) => {
        answer += d.toString('latin1');
        if (answer.includes('\0')) done(!/size limit exceeded/i.test(answer));
      });
      s.on('error', (e) => done(new Error(`clamd at ${this.where}: ${e.message}`)));
      s.on('close', () => done(answer === '' ? new Error(`clamd at ${this.where} closed the connection`) : !/size limit exceeded/i.test(answer)));
      s.write(Buffer.concat([Buffer.from('zINSTREAM\0'), frame(bytes)]));
    });
  }
}

/** One INSTREAM scan on its own connection. */
class ClamdSession implements ScanSession {
  readonly verdict: Promise<ScanVerdict>;
  readonly #socket: net.Socket;
  readonly #timeoutMs: number;
  readonly #where: string;
  #settle!: (v: ScanVerdict) => void;
  #settled = false;
  #reply: Buffer[] = [];
  #replySize = 0;
  #ended = false;
  #timer: NodeJS.Timeout | null = null;
  #sent = 0;
  readonly #identity: Promise<ScannerIdentity | Error>;
  readonly #takes: (bytes: number) => Promise<boolean>;

  constructor(a: ClamdAddress, timeoutMs: number, identity: () => Promise<ScannerIdentity>, takes: (bytes: number) => Promise<boolean>) {
    this.#takes = takes;
    this.#timeoutMs = timeoutMs;
    this.#where = describeClamd(a);
    this.verdict = new Promise((resolve) => (this.#settle = resolve));
    this.#identity = identity().catch((e: Error) => e);
    this.#socket = connect(a);
    const connecting = setTimeout(() => this.#fail(`clamd at ${this.#where} did not accept the connection within ${timeoutMs} ms`), timeoutMs);
    this.#socket.once('connect', () => clearTimeout(connecting));
    void this.verdict.then(() => clearTimeout(connecting));
    this.#socket.on('data', (d: Buffer) => this.#onData(d));
    this.#socket.on('error', (e) => this.#lost(`clamd at ${this.#where} failed mid-scan: ${e.message}`));
    this.#socket.on('close', () => this.#onClose());
    this.#socket.write('zINSTREAM\0');
  }

  write(chunk: Buffer): Promise<void> {
    if (this.#settled || this.#ended || chunk.length === 0) return Promise.resolve();
    this.#socket.write(frame(chunk.length));
    this.#sent += chunk.length;
    if (this.#socket.write(chunk)) return Promise.resolve();
    // clamd is not taking bytes as fast as they come: wait for it, but not for ever (a hung clamd)
    return new Promise((resolve) => {
      const go = () => {
        this.#socket.off('drain', go);
        if (!this.#settled) this.#disarm();
        resolve();
      };
      this.#arm(`clamd at ${this.#where} took no bytes for ${this.#timeoutMs} ms`);
      this.#socket.once('drain', go);
      void this.verdict.then(go);
    });
  }

  end(): void {
    if (this.#settled || this.#ended) return;
    this.#ended = true;
    this.#socket.write(frame(0));
    this.#arm(`clamd at ${this.#where} gave no verdict within ${this.#timeoutMs} ms of the last byte`);
  }

  abort(): void {
    this.#finish({ result: 'unavailable', reason: 'the upload ended before the scan' });
  }

  #onData(d: Buffer): void {
    this.#reply.push(d);
    this.#replySize += d.length;
    if (d.includes(0) || this.#replySize > MAX_REPLY_BYTES) this.#answer();
  }

  #onClose(): void {
    if (this.#settled) return;
    if (this.#replySize > 0) return this.#answer();
    this.#lost(`clamd at ${this.#where} closed the connection ${this.#ended ? 'without a verdict' : 'mid-scan'}`);
  }

  /**
   * The connection broke before a verdict. clamd refusing a stream over its StreamMaxLength answers and closes at
   * once, and our next write may then fail (EPIPE, a reset) before its answer is read: so ask it, on a connection of
   * its own, whether it takes a stream this long. Refused: too large. Anything else (it is gone, or it takes it): the
   * scanner failed.
   */
  #lost(reason: string): void {
    if (this.#settled || this.#losing) return;
    this.#losing = true;
    this.#socket.destroy();
    this.#takes(this.#sent).then(
      (takes) => this.#finish(takes ? { result: 'unavailable', reason } : { result: 'too-large', reason: 'the file is larger than clamd scans (its StreamMaxLength)' }),
      () => this.#fail(reason),
    );
  }

  #losing = false;

  #answer(): void {
    if (this.#settled) return;
    const text = Buffer.concat(this.#reply).toString('latin1').split('\0')[0]!;
    // before the last byte, only a refusal can come (a size limit, an error): a verdict then is garbage
    const early = !this.#ended;
    void this.#identity.then((id) => {
      const v = parseInstreamReply(text, id instanceof Error ? { scanner: 'ClamAV (version unknown)', signatureVersion: null } : id);
      this.#finish(early && (v.result === 'clean' || v.result === 'infected') ? { result: 'unavailable', reason: `clamd answered before the end of the stream: ${JSON.stringify(text.slice(0, 80))}` } : v);
    });
  }

  #fail(reason: string): void {
    this.#finish({ result: 'unavailable', reason });
  }

  #finish(v: ScanVerdict): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#disarm();
    this.#socket.destroy();
    this.#settle(v);
  }

  #arm(reason: string): void {
    this.#disarm();
    this.#timer = setTimeout(() => this.#fail(reason), this.#timeoutMs);
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
