import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { getManyValues, isMany, none } from 'stream-chain/defs.js';
import { jsonParser, type Token } from 'stream-json/core/parser.js';
import { AppError, isAppError } from '../domain/errors.ts';
import { Base64Decoder } from './base64-decoder.ts';

/**
 * Reads a FHIR JSON Bundle from a stream without ever holding it: the JSON is tokenised by stream-json (its core
 * tokenizer, called directly: one call per chunk of the body, no stream per token), entries are assembled one at a
 * time and handed over as each ends, and the base64 `data` of a Binary (`entry[n].resource.data`) or of an inline
 * attachment (`entry[n].resource.content[m].attachment.data`) is never assembled at all: it is decoded as it arrives
 * and written to the place the caller opens for it, with backpressure (the body is read only as fast as that place
 * takes the bytes). Everything else of an entry is bounded (ENTRY_LIMIT characters), as are the bundle's own
 * members, the number of entries and the nesting depth, so memory stays flat whatever the body's size.
 */

/** Stands in for a `data` value that was streamed (so the entry shows that it had one). */
export const STREAMED_DATA = Object.freeze({ streamed: true as const });

/** Where a streamed `data` value sits in its entry's resource. */
export type DataPlace = { kind: 'binary' } | { kind: 'attachment'; content: number };

export interface DataStart {
  entry: number;
  place: DataPlace;
  /** The FHIRPath of the value, for messages: `Bundle.entry[2].resource.data`. */
  path: string;
  /** What the entry's fullUrl was, if it came before the resource. */
  fullUrl: string | undefined;
  /** The members of the resource (a Binary), or of the attachment, seen before the data: contentType, maybe. */
  seen: Record<string, unknown>;
}

export interface BundleReaderHooks {
  /** A streamed `data` value begins: where its decoded bytes go (ended when it ends, destroyed if the bundle fails). */
  openData(start: DataStart): Writable;
  /** An entry is complete (its streamed values replaced by STREAMED_DATA). */
  entry(index: number, entry: Record<string, unknown>): void;
}

export interface BundleLimits {
  /** The whole body, in bytes (QUILL_MAX_BUNDLE_BYTES). */
  maxBytes: number;
}

/** Characters of one entry that are assembled (everything but its streamed data). */
export const ENTRY_LIMIT = 1024 * 1024;
/** Characters of the bundle's own members (everything but its entries). */
const TOP_LIMIT = 64 * 1024;
export const MAX_ENTRIES = 1000;
const MAX_DEPTH = 64;

type Container = Record<string, unknown> | unknown[];
interface Frame {
  value: Container;
  /** The key whose value comes next (objects). */
  key: string | null;
}

/** Reads the bundle; resolves with its own members (resourceType, type, ...: everything but `entry`). */
export async function readBundle(source: Readable, hooks: BundleReaderHooks, limits: BundleLimits): Promise<Record<string, unknown>> {
  const reader = new TokenReader(hooks);
  const parse = jsonParser({ packKeys: true, packStrings: false, packNumbers: true, streamKeys: false, streamStrings: true, streamNumbers: false, maxDepth: MAX_DEPTH, maxPackedLength: ENTRY_LIMIT });
  const text = new StringDecoder('utf8');
  let bytes = 0;
  try {
    // the body is read as fast as the tokens are consumed; an early exit leaves the request to the caller (not destroyed)
    for await (const chunk of source.iterator({ destroyOnReturn: false })) {
      const buf = chunk as Buffer;
      bytes += buf.length;
      if (bytes > limits.maxBytes) throw new AppError('payload_too_large', `the bundle limit is ${limits.maxBytes} bytes (QUILL_MAX_BUNDLE_BYTES)`, { limit: limits.maxBytes });
      await reader.consume(tokensOf(parse, text.write(buf)));
    }
    await reader.consume(tokensOf(parse, text.end()));
    await reader.consume(tokensOf(parse, none));
    return reader.finish();
  } catch (e) {
    reader.abort(e);
    throw bundleError(e);
  }
}

function tokensOf(parse: ReturnType<typeof jsonParser>, input: string | typeof none): Token[] {
  if (input === '') return [];
  let out: unknown;
  try {
    out = parse(input as string);
  } catch (e) {
    throw new AppError('invalid_bundle', `the body is not valid JSON: ${(e as Error).message.slice(0, 200)}`, { field: 'body' }, { cause: e });
  }
  return out === none ? [] : isMany(out) ? (getManyValues(out) as Token[]) : [out as Token];
}

function bundleError(e: unknown): unknown {
  if (isAppError(e)) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'ABORT_ERR' || (e as Error)?.message === 'aborted') {
    return new AppError('upload_aborted', 'the request ended before the bundle was complete', {}, { cause: e });
  }
  return e;
}

/** The state machine over the tokens: a stack of the containers being assembled, and the open data value if any. */
class TokenReader {
  readonly #hooks: BundleReaderHooks;
  readonly #stack: Frame[] = [];
  #top: Record<string, unknown> | null = null;
  #entries = 0;
  /** Characters assembled so far in the current entry, and in the bundle's own members. */
  #entryChars = 0;
  #topChars = 0;
  #string: string[] | null = null;
  #data: { sink: Writable; decoder: Base64Decoder; pending: string[] } | null = null;
  #fullUrl: string | undefined;

  constructor(hooks: BundleReaderHooks) {
    this.#hooks = hooks;
  }

  async consume(tokens: Token[]): Promise<void> {
    for (const t of tokens) {
      if (this.#data) {
        if (t.name === 'stringChunk') {
          this.#data.pending.push(t.value);
          continue;
        }
        // endString: the value is complete
        await this.#endData();
        continue;
      }
      switch (t.name) {
        case 'startObject':
          this.#open({});
          break;
        case 'startArray':
          this.#open([]);
          break;
        case 'endObject':
        case 'endArray':
          this.#close();
          break;
        case 'keyValue':
          this.#count(t.value.length);
          this.#frame().key = t.value;
          break;
        case 'startString':
          if (this.#dataPlace()) this.#startData();
          else this.#string = [];
          break;
        case 'stringChunk':
          this.#count(t.value.length);
          this.#string!.push(t.value);
          break;
        case 'endString':
          this.#set(this.#string!.join(''));
          this.#string = null;
          break;
        case 'numberValue':
          this.#count(t.value.length);
          this.#set(Number(t.value));
          break;
        case 'nullValue':
          this.#set(null);
          break;
        case 'trueValue':
          this.#set(true);
          break;
        case 'falseValue':
          this.#set(false);
          break;
        default:
          break;
      }
    }
    // a data value still open at the end of this chunk: decode and write what arrived of it
    if (this.#data) await this.#flushData();
  }

  finish(): Record<string, unknown> {
    if (!this.#top) throw new AppError('invalid_bundle', 'the body is not a JSON object', { field: 'body' });
    return this.#top;
  }

  /** The bundle failed: an open data value's destination is destroyed, so whoever reads it sees the failure. */
  abort(e: unknown): void {
    const sink = this.#data?.sink;
    // whoever reads it reports the failure; a destination nobody reads must not raise it as an unhandled 'error'
    sink?.on('error', () => undefined);
    sink?.destroy(e instanceof Error ? e : new Error(String(e)));
    this.#data = null;
  }

  #frame(): Frame {
    return this.#stack[this.#stack.length - 1]!;
  }

  #count(n: number): void {
    const inEntry = this.#stack.length > 2 && this.#inEntries();
    const chars = inEntry ? (this.#entryChars += n) : (this.#topChars += n);
    const limit = inEntry ? ENTRY_LIMIT : TOP_LIMIT;
    if (chars > limit) {
      const where = inEntry ? `entry ${this.#entries} of the bundle` : 'the bundle\'s members other than its entries';
      throw new AppError('invalid_bundle', `${where} holds more than ${limit} characters besides base64 data`, { field: inEntry ? `Bundle.entry[${this.#entries}]` : 'Bundle' });
    }
  }

  #open(value: Container): void {
    const depth = this.#stack.length;
    if (depth === 0) {
      if (Array.isArray(value)) throw new AppError('invalid_bundle', 'the body is a JSON array, not a Bundle', { field: 'body' });
      this.#top = value;
    } else if (depth === 2 && this.#inEntries()) {
      // a new entry: nothing of the previous one is kept here
      if (this.#entries >= MAX_ENTRIES) throw new AppError('invalid_bundle', `a bundle may hold at most ${MAX_ENTRIES} entries`, { field: 'Bundle.entry' });
      this.#entryChars = 0;
      this.#fullUrl = undefined;
    } else if (!(depth === 1 && this.#stack[0]!.key === 'entry')) {
      // the parent keeps its key until this container closes: the path to a data value is read from the keys
      this.#set(value, true);
    }
    this.#stack.push({ value, key: null });
  }

  #close(): void {
    const done = this.#stack.pop()!;
    const depth = this.#stack.length;
    if (depth === 2 && this.#inEntries()) {
      this.#hooks.entry(this.#entries++, done.value as Record<string, unknown>);
    } else if (depth > 0) {
      this.#stack[depth - 1]!.key = null; // (at depth 1 under "entry": the entry array, never kept)
    }
  }

  /** Whether the frame at depth 1 is the bundle's entry array. */
  #inEntries(): boolean {
    return this.#stack.length >= 2 && this.#stack[0]!.key === 'entry' && Array.isArray(this.#stack[1]!.value);
  }

  /** Puts a value where the innermost container expects it. */
  #set(v: unknown, keepKey = false): void {
    const f = this.#stack[this.#stack.length - 1];
    if (!f) {
      throw new AppError('invalid_bundle', 'the body is not a JSON object', { field: 'body' });
    }
    if (Array.isArray(f.value)) {
      if (this.#stack.length === 2 && this.#inEntries()) throw new AppError('invalid_bundle', 'Bundle.entry must hold objects', { field: 'Bundle.entry' });
      f.value.push(v);
      return;
    }
    if (this.#stack.length === 3 && this.#inEntries() && f.key === 'fullUrl' && typeof v === 'string') this.#fullUrl = v;
    f.value[f.key!] = v;
    if (this.#stack.length === 1 && f.key === 'entry' && !Array.isArray(v)) throw new AppError('invalid_bundle', 'Bundle.entry must be an array', { field: 'Bundle.entry' });
    if (!keepKey) f.key = null;
  }

  /**
   * Whether the string starting now is a `data` value that is streamed: Binary.data (entry → resource → data) or an
   * attachment's (entry → resource → content[m] → attachment → data).
   */
  #dataPlace(): DataStart | null {
    const s = this.#stack;
    if (!this.#inEntries() || s[2]?.key !== 'resource') return null;
    if (s.length === 4 && s[3]!.key === 'data') {
      return { entry: this.#entries, place: { kind: 'binary' }, path: `Bundle.entry[${this.#entries}].resource.data`, fullUrl: this.#fullUrl, seen: s[3]!.value as Record<string, unknown> };
    }
    if (s.length === 7 && s[3]!.key === 'content' && Array.isArray(s[4]!.value) && s[5]!.key === 'attachment' && s[6]!.key === 'data') {
      const content = s[4]!.value.length - 1; // the content object is already in its array
      return {
        entry: this.#entries,
        place: { kind: 'attachment', content },
        path: `Bundle.entry[${this.#entries}].resource.content[${content}].attachment.data`,
        fullUrl: this.#fullUrl,
        seen: s[6]!.value as Record<string, unknown>,
      };
    }
    return null;
  }

  #startData(): void {
    const start = this.#dataPlace()!;
    this.#data = { sink: this.#hooks.openData(start), decoder: new Base64Decoder(start.path), pending: [] };
  }

  async #flushData(): Promise<void> {
    const d = this.#data!;
    if (d.pending.length === 0) return;
    const bytes = d.decoder.push(d.pending.join(''));
    d.pending = [];
    await write(d.sink, bytes);
  }

  async #endData(): Promise<void> {
    await this.#flushData();
    const d = this.#data!;
    this.#data = null;
    await write(d.sink, d.decoder.end());
    d.sink.end();
    this.#set(STREAMED_DATA);
  }
}

/** Writes with backpressure; a destination that gave up (destroyed: its upload was refused) takes nothing more. */
async function write(sink: Writable, bytes: Buffer): Promise<void> {
  if (bytes.length === 0 || sink.destroyed || sink.writableEnded) return;
  if (sink.write(bytes)) return;
  const ac = new AbortController();
  try {
    await Promise.race([once(sink, 'drain', { signal: ac.signal }), once(sink, 'close', { signal: ac.signal })]);
  } catch (e) {
    if ((e as Error).name !== 'AbortError') return; // it failed: its own failure is reported by whoever reads it
  } finally {
    ac.abort();
  }
}
