// A typed client for Quill Document Store. Request and response types come from ./schema.d.ts, generated from the
// service's /openapi.json by openapi-typescript (npm run generate); calls go through openapi-fetch; resumable uploads
// through tus-js-client; SHA-256 is computed incrementally with hash-wasm (WebCrypto's digest needs the whole file in
// memory at once). Works in browsers and in Node ≥ 22.
import createFetchClient, { type Client } from 'openapi-fetch';
import { createSHA256 } from 'hash-wasm';
import * as tus from 'tus-js-client';
import type { components, paths } from './schema.d.ts';

export type { components, paths };
export type Document = components['schemas']['Document'];
export type DocumentVersion = components['schemas']['DocumentVersion'];
export type Problem = components['schemas']['Problem'];
/** The configured document types and categories (GET /v1/document-types). */
export type DocumentValueSet = paths['/v1/document-types']['get']['responses'][200]['content']['application/json'];
/** A SNOMED CT coding of the value set; a document type adds its default category and retention class. */
export type DocumentType = DocumentValueSet['categories'][number];
/** One audit row as GET /v1/audit returns it. */
export type AuditEntry = paths['/v1/audit']['get']['responses'][200]['content']['application/json']['items'][number];

export interface DocumentMetadata {
  patient: string;
  /** SNOMED CT code from GET /v1/document-types */
  type: string;
  title: string;
  category?: string;
  description?: string;
  /** clinical date, YYYY-MM-DD */
  date?: string;
  author?: string;
}

export interface QuillClientOptions {
  baseUrl: string;
  /** The bearer token, or a function returning the current one (kept in memory by the caller, never in localStorage). */
  token: string | (() => string | Promise<string>);
  fetch?: typeof globalThis.fetch;
}

/** A refusal from the service: the RFC 9457 problem, with its stable `code`. */
export class QuillError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem | null;
  constructor(status: number, problem: Problem | null, fallback?: string) {
    super(problem?.detail ?? problem?.title ?? fallback ?? `HTTP ${status}`);
    this.name = 'QuillError';
    this.status = status;
    this.code = problem?.code ?? (status === 0 ? 'network_error' : `http_${status}`);
    this.problem = problem;
  }
}

/** The bytes did not hash to the SHA-256 the metadata promises: nothing downloaded should be shown. */
export class IntegrityError extends Error {
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string) {
    super(`SHA-256 mismatch: expected ${expected}, got ${actual}`);
    this.name = 'IntegrityError';
    this.expected = expected;
    this.actual = actual;
  }
}

export type Progress = (done: number, total: number) => void;
type Body = Blob | Uint8Array;

export interface ListOptions {
  type?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
  includeEnteredInError?: boolean;
}

export interface AuditQuery {
  document?: string;
  patient?: string;
  actor?: string;
  action?: string;
  outcome?: 'success' | 'denied' | 'failed';
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

/** SHA-256 (hex) of a Blob or byte array, read in chunks so a large file is never held twice. */
export async function sha256Hex(body: Body, onProgress?: Progress): Promise<string> {
  const h = await createSHA256();
  h.init();
  if (body instanceof Uint8Array) {
    h.update(body);
    onProgress?.(body.length, body.length);
    return h.digest('hex');
  }
  const reader = body.stream().getReader();
  let done = 0;
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    h.update(r.value);
    done += r.value.length;
    onProgress?.(done, body.size);
  }
  return h.digest('hex');
}

export class QuillClient {
  /** The typed openapi-fetch client, for anything the helpers below do not cover. */
  readonly api: Client<paths>;
  readonly #o: QuillClientOptions;

  constructor(o: QuillClientOptions) {
    this.#o = { ...o, baseUrl: o.baseUrl.replace(/\/+$/, '') };
    this.api = createFetchClient<paths>({ baseUrl: this.#o.baseUrl, fetch: o.fetch });
    this.api.use({ onRequest: async ({ request }) => {
      request.headers.set('authorization', `Bearer ${await this.#token()}`);
      return request;
    } });
  }

  async documentTypes(): Promise<DocumentValueSet> {
    const { data, error, response } = await this.api.GET('/v1/document-types');
    if (error || !data) throw await problemOf(response, error);
    return data;
  }

  /** A patient's documents, newest first; pass `nextCursor` back as `cursor` for the next page. */
  async list(patient: string, o: ListOptions = {}): Promise<{ items: Document[]; nextCursor: string | null }> {
    const { data, error, response } = await this.api.GET('/v1/documents', { params: { query: { patient, ...o } } });
    if (error || !data) throw await problemOf(response, error);
    return { items: data.items, nextCursor: data.nextCursor };
  }

  /** Metadata of a document (its current version, or `version`), with every version. */
  async get(id: string, version?: number): Promise<Document> {
    const { data, error, response } = await this.api.GET('/v1/documents/{id}', { params: { path: { id }, query: version ? { version } : {} } });
    if (error || !data) throw await problemOf(response, error);
    return data;
  }

  async versions(id: string): Promise<DocumentVersion[]> {
    return (await this.get(id)).versions ?? [];
  }

  /** Simple upload (one request). The SHA-256 is computed first and sent, so a corrupted transfer is refused. */
  async upload(file: Body, meta: DocumentMetadata, o: { filename?: string; contentType?: string; onHashProgress?: Progress } = {}): Promise<Document> {
    const sha256 = await sha256Hex(file, o.onHashProgress);
    const form = new FormData();
    for (const [k, v] of Object.entries(meta)) if (v !== undefined && v !== '') form.set(k, v);
    form.set('sha256', sha256);
    form.set('file', toBlob(file, o.contentType), o.filename ?? (file instanceof File ? file.name : 'document'));
    return this.#json<Document>('POST', '/v1/documents', form);
  }

  /** A new version of a document (simple upload), SHA-256 sent as Content-Digest-style form field. */
  async addVersion(id: string, file: Body, o: { filename?: string; contentType?: string; onHashProgress?: Progress } = {}): Promise<Document> {
    const sha256 = await sha256Hex(file, o.onHashProgress);
    const form = new FormData();
    form.set('sha256', sha256);
    form.set('file', toBlob(file, o.contentType), o.filename ?? (file instanceof File ? file.name : 'document'));
    return this.#json<Document>('POST', `/v1/documents/${encodeURIComponent(id)}/versions`, form);
  }

  /**
   * Resumable upload (tus 1.0 at /v1/uploads): survives dropped connections (retried with back-off) and can be
   * resumed later, even on another instance, from `uploadUrl`. With `document` it adds a version to that document.
   * The SHA-256 is computed first and sent in Upload-Metadata; the service refuses the upload if the bytes differ.
   * PATCHes are `chunkSize` bytes (8 MiB by default), or the service's advertised minimum (Quill-Min-Patch-Size, from
   * OPTIONS /v1/uploads) when that is larger: a shorter PATCH that does not end the upload is refused.
   */
  async uploadResumable(
    file: Body,
    meta: DocumentMetadata | { document: string },
    o: {
      filename?: string;
      contentType?: string;
      onHashProgress?: Progress;
      onProgress?: Progress;
      /** Browser only: the connection dropped; the upload resumes by itself when the browser is online again. */
      onWaitingForNetwork?: () => void;
      /** Called once the upload exists, with its URL: keep it to resume after a page reload or crash. */
      onUploadUrl?: (url: string) => void;
      uploadUrl?: string;
      chunkSize?: number;
      retryDelays?: number[] | null;
      signal?: AbortSignal;
    } = {},
  ): Promise<{ documentId: string; version: number; sha256: string; uploadUrl: string }> {
    const sha256 = await sha256Hex(file, o.onHashProgress);
    const token = await this.#token();
    const chunkSize = Math.max(o.chunkSize ?? 8 * 1024 * 1024, await this.#minPatchSize());
    const filename = o.filename ?? (file instanceof File ? file.name : 'document');
    const filetype = o.contentType ?? (file instanceof Blob ? file.type : '') ?? '';
    const metadata: Record<string, string> = { filename, sha256 };
    if (filetype) metadata.filetype = filetype;
    for (const [k, v] of Object.entries(meta)) if (v !== undefined && v !== '') metadata[k] = String(v);
    return new Promise((resolve, reject) => {
      const upload = new tus.Upload(file as Blob, {
        endpoint: `${this.#o.baseUrl}/v1/uploads`,
        uploadUrl: o.uploadUrl ?? null,
        metadata,
        headers: { authorization: `Bearer ${token}` },
        chunkSize,
        retryDelays: o.retryDelays === undefined ? [0, 1000, 2000, 5000, 10000, 20000] : o.retryDelays,
        storeFingerprintForResuming: false,
        uploadSize: file instanceof Blob ? file.size : file.length,
        onUploadUrlAvailable: () => o.onUploadUrl?.(upload.url!),
        onProgress: (sent, total) => o.onProgress?.(sent, total),
        // Retry network failures and 409/423/5xx. (tus-js-client's default also requires navigator.onLine, so a
        // browser that knows it is offline would give up at once; we wait for the 'online' event instead, below.)
        onShouldRetry: (err) => {
          const status = (err as tus.DetailedError).originalResponse?.getStatus();
          return !status || status === 409 || status === 423 || status >= 500;
        },
        onError: (err) => {
          const res = (err as tus.DetailedError).originalResponse;
          const browser = typeof window !== 'undefined' && typeof navigator !== 'undefined';
          if (!res && browser && navigator.onLine === false && !o.signal?.aborted) {
            // the connection is gone: resume from where the service got to (HEAD, then PATCH) once it is back
            o.onWaitingForNetwork?.();
            window.addEventListener('online', () => upload.start(), { once: true });
            return;
          }
          if (!res) return reject(new QuillError(0, null, err.message));
          let problem: Problem | null = null;
          try {
            problem = JSON.parse(res.getBody()) as Problem;
          } catch {
            /* not problem+json */
          }
          reject(new QuillError(res.getStatus(), problem));
        },
        onSuccess: (payload) => {
          const r = payload.lastResponse;
          const documentId = r.getHeader('quill-document-id');
          if (!documentId) return reject(new QuillError(r.getStatus(), null, 'the upload finished without a document id'));
          const stored = r.getHeader('quill-sha256');
          if (stored && stored !== sha256) return reject(new IntegrityError(sha256, stored));
          resolve({ documentId, version: Number(r.getHeader('quill-document-version') ?? 1), sha256, uploadUrl: upload.url! });
        },
      });
      o.signal?.addEventListener('abort', () => void upload.abort(), { once: true });
      upload.start();
    });
  }

  /**
   * The bytes of a document version through the service, hashed while they arrive and compared with the metadata's
   * SHA-256. Throws IntegrityError (nothing returned) on any difference.
   */
  async download(id: string, o: { version?: number; onProgress?: Progress } = {}): Promise<{ document: Document; blob: Blob; sha256: string; verified: true }> {
    const document = await this.get(id, o.version);
    const q = o.version ? `?version=${o.version}` : '';
    const res = await (this.#o.fetch ?? fetch)(`${this.#o.baseUrl}/v1/documents/${encodeURIComponent(id)}/content${q}`, { headers: { authorization: `Bearer ${await this.#token()}` } });
    if (!res.ok || !res.body) throw await problemOf(res, null);
    const h = await createSHA256();
    h.init();
    const chunks: Uint8Array[] = [];
    const reader = res.body.getReader();
    let done = 0;
    const total = Number(res.headers.get('content-length') ?? document.size ?? 0);
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      h.update(r.value);
      chunks.push(r.value);
      done += r.value.length;
      o.onProgress?.(done, total);
    }
    const actual = h.digest('hex');
    if (actual !== document.sha256) throw new IntegrityError(document.sha256 ?? '(none)', actual);
    return { document, blob: new Blob(chunks as unknown as ConstructorParameters<typeof Blob>[0], { type: document.contentType ?? 'application/octet-stream' }), sha256: actual, verified: true };
  }

  /** Marks a document entered-in-error (records-manager, admin); bytes and history are kept. */
  async enterInError(id: string, reason: string): Promise<Document> {
    const { data, error, response } = await this.api.DELETE('/v1/documents/{id}', { params: { path: { id } }, body: { reason } as never });
    if (error || !data) throw await problemOf(response, error);
    return data as Document;
  }

  /** The audit trail, newest first (auditor, admin). */
  async audit(q: AuditQuery = {}): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    const { data, error, response } = await this.api.GET('/v1/audit', { params: { query: q } });
    // the JSON page: a FHIR Bundle answers only ?_format=fhir, which this helper does not send
    if (error || !data || 'resourceType' in data) throw await problemOf(response, error);
    return { items: data.items, nextCursor: data.nextCursor };
  }

  /** The fewest bytes the service takes in a PATCH that does not end an upload (0 when it does not say). */
  async #minPatchSize(): Promise<number> {
    const res = await (this.#o.fetch ?? fetch)(`${this.#o.baseUrl}/v1/uploads`, { method: 'OPTIONS' });
    const n = Number(res.headers.get('quill-min-patch-size'));
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  }

  async #token(): Promise<string> {
    return typeof this.#o.token === 'function' ? await this.#o.token() : this.#o.token;
  }

  async #json<T>(method: string, path: string, body: FormData): Promise<T> {
    const res = await (this.#o.fetch ?? fetch)(`${this.#o.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${await this.#token()}` }, body });
    if (!res.ok) throw await problemOf(res, null);
    return (await res.json()) as T;
  }
}

function toBlob(b: Body, type?: string): Blob {
  if (b instanceof Blob) return type && !b.type ? new Blob([b], { type }) : b;
  return new Blob([b] as unknown as ConstructorParameters<typeof Blob>[0], { type: type ?? 'application/octet-stream' });
}

async function problemOf(res: Response, error: unknown): Promise<QuillError> {
  if (error && typeof error === 'object' && 'code' in error) return new QuillError(res.status, error as Problem);
  try {
    return new QuillError(res.status, (await res.clone().json()) as Problem);
  } catch {
    return new QuillError(res.status, null);
  }
}
