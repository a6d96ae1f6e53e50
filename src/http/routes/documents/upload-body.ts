import type { FastifyRequest } from 'fastify';
import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import { finished, Transform, type TransformCallback } from 'node:stream';
import { Type, type Static } from 'typebox';
import type { NewDocumentMetadata } from '../../../domain/document.ts';
import { baseMediaType, defaultAllowedContentTypes } from '../../../domain/content-types.ts';
import { AppError, isAppError } from '../../../domain/errors.ts';
import type { UploadInput } from '../../../documents/service.ts';
import { parseSha256Digest, parseSha256Field } from '../../../documents/digest-header.ts';
import { sha256Field, uploadFields } from '../../schemas.ts';
import { compileStrict } from '../../validation.ts';

const MULTIPART_OVERHEAD = 1024 * 1024; // room for the form's own fields and boundaries

/** The form fields each upload accepts, with the same limits as the query-string form (see uploadFields). */
const forms = {
  create: Type.Object({ ...uploadFields.properties, sha256: sha256Field }, { additionalProperties: false }),
  version: Type.Object({ filename: uploadFields.properties.filename, sha256: sha256Field }, { additionalProperties: false }),
};
const validators = { create: compileStrict(forms.create), version: compileStrict(forms.version) };

/** An upload's metadata, from its query string or its form fields. */
export type UploadMeta = Static<typeof forms.create>;

export interface ParsedUpload {
  meta: UploadMeta;
  input: UploadInput;
  /** Called after the service has stored the bytes; kept for the raw-body form's symmetry. */
  finish(): void;
}

export type UploadKind = 'create' | 'version';

const undeclared = (t: string | null) => (t === null || t === 'application/octet-stream' ? null : t);

const REQUIRED_BEFORE_FILE = ['patient', 'type', 'title'];

/**
 * An upload's request body as OpenAPI shows it: the form (its fields, then the file) or the raw bytes. The route reads
 * either as a stream, so no body schema validates them: parseUpload checks the form against the same fields.
 */
export function uploadRequestBody(kind: UploadKind) {
  const binary = { type: 'string', format: 'binary' };
  const required = kind === 'create' ? [...REQUIRED_BEFORE_FILE, 'file'] : ['file'];
  return {
    content: {
      'multipart/form-data': { schema: { type: 'object', required, properties: { ...forms[kind].properties, file: binary } } },
      ...Object.fromEntries(defaultAllowedContentTypes.map((t) => [t, { schema: binary }])),
    },
  };
}

/**
 * Reads an upload request without buffering it: either multipart/form-data (metadata fields first, then one
 * `file` part, nothing after it) or a raw body whose Content-Type is the document type, with metadata in the query
 * string. The multipart form is checked as strictly as the query string: the same fields and length limits, every
 * field before the file (a field after it would be seen only after the bytes were stored), one file part. `query` is
 * the request's query string as its route's schema validated it.
 */
export async function parseUpload(request: FastifyRequest, query: UploadMeta, maxBytes: number, kind: UploadKind = 'create'): Promise<ParsedUpload> {
  const declaredLength = Number(request.headers['content-length']);
  // what the upload may expect to read (for a form, the whole form): large bodies hash off the event loop
  const sizeHint = Number.isFinite(declaredLength) ? declaredLength : null;
  if (request.isMultipart()) {
    if (request.headers['content-digest'] !== undefined || request.headers['repr-digest'] !== undefined) {
      // RFC 9530: these would cover the whole multipart body (boundaries and every part), not the document.
      throw new AppError(
        'digest_unsupported',
        'Content-Digest and Repr-Digest are not checked on multipart uploads (they would cover the whole form, not the document): send the SHA-256 of the file in a sha256 field before the file part, or upload the raw bytes with Repr-Digest',
        { field: 'content-digest' },
      );
    }
    if (declaredLength > maxBytes + MULTIPART_OVERHEAD) throw new AppError('payload_too_large', `the upload limit is ${maxBytes} bytes`, { limit: maxBytes });
    return parseMultipart(request, query, maxBytes, kind, sizeHint);
  }
  if (declaredLength > maxBytes) throw new AppError('payload_too_large', `the upload limit is ${maxBytes} bytes`, { limit: maxBytes });
  if (declaredLength === 0) throw new AppError('empty_body');
  return {
    meta: query,
    input: {
      body: request.raw,
      declaredType: undeclared(baseMediaType(request.headers['content-type'])),
      filename: query.filename ?? filenameFromDisposition(request.headers['content-disposition']),
      expectedSha256: parseSha256Digest(request.headers['repr-digest'], request.headers['content-digest']),
      sizeHint,
    },
    finish: () => undefined,
  };
}

async function parseMultipart(request: FastifyRequest, query: UploadMeta, maxBytes: number, kind: UploadKind, sizeHint: number | null): Promise<ParsedUpload> {
  let parts: AsyncIterator<MultipartFile | MultipartValue>;
  try {
    parts = request.parts({ limits: { fileSize: maxBytes + 1, files: 2, fields: 20, fieldSize: 64 * 1024, parts: 22 } })[Symbol.asyncIterator]();
  } catch (e) {
    throw multipartError(e);
  }
  const next = () => parts.next().catch((e: unknown) => Promise.reject(multipartError(e)));
  const fields: Record<string, string> = {};
  for (;;) {
    const r = await next();
    if (r.done) throw new AppError('invalid_multipart', 'the form has no file part (send the document in a part named "file", after the metadata fields)', { field: 'file' });
    const part = r.value;
    if (part.type === 'field') {
      if (part.valueTruncated || part.fieldnameTruncated) throw new AppError('validation_failed', `form field "${part.fieldname}" is too long`, { field: part.fieldname });
      if (Object.hasOwn(fields, part.fieldname)) throw new AppError('invalid_multipart', `form field "${part.fieldname}" is sent more than once`, { field: part.fieldname });
      fields[part.fieldname] = String(part.value);
      continue;
    }
    if (part.fieldname !== 'file') throw new AppError('invalid_multipart', 'the document must be sent in a part named "file"', { field: part.fieldname });
    const meta = checkFields(fields, query, kind);
    const body = new EndOfFormGuard(next, part, maxBytes);
    // finished() also reports a part the parser had already failed (a truncated body) before we got to it
    finished(part.file, (e) => {
      if (e) body.destroy(multipartError(e));
    });
    // the service's pipeline reads the error from the stream's state even if it fails before the pipeline starts
    body.on('error', () => undefined);
    body.on('close', () => {
      if (!part.file.readableEnded) part.file.destroy();
    });
    part.file.pipe(body);
    return {
      meta,
      input: {
        body,
        declaredType: undeclared(baseMediaType(part.mimetype)),
        filename: part.filename || meta.filename || null,
        expectedSha256: parseSha256Field(meta.sha256),
        sizeHint,
      },
      finish: () => undefined,
    };
  }
}

/** Form fields (plus any query-string metadata) under the same rules as the query-string form. */
function checkFields(fields: Record<string, string>, query: UploadMeta, kind: UploadKind): UploadMeta {
  for (const k of Object.keys(fields)) {
    if (Object.hasOwn(query, k)) throw new AppError('invalid_multipart', `"${k}" is sent both in the query string and in the form`, { field: k });
  }
  const meta = { ...query, ...fields };
  for (const [k, v] of Object.entries(meta)) {
    if (v.includes('\u0000')) throw new AppError('validation_failed', `form field "${k}" contains a NUL character`, { field: k });
  }
  const validate = validators[kind];
  if (!validate(meta)) {
    const e = validate.errors?.[0];
    const field = e?.instancePath.replace(/^\//, '') || (e?.params as { additionalProperty?: string } | undefined)?.additionalProperty || undefined;
    throw new AppError('validation_failed', field ? `form field "${field}" ${e?.keyword === 'additionalProperties' ? 'is not accepted' : e?.message ?? 'is not valid'}` : 'the form is not valid', { field });
  }
  if (kind === 'create') {
    const missing = REQUIRED_BEFORE_FILE.filter((k) => !Object.hasOwn(meta, k));
    if (missing.length) {
      throw new AppError('invalid_multipart', `the metadata fields must come before the file part; missing before it: ${missing.join(', ')}`, { field: missing[0], missing });
    }
  }
  return meta;
}

/**
 * Passes the file part's bytes through, and at their end reads on to the end of the form before letting the
 * upload finish: a field or a second file after the file part fails the upload (so it is never silently ignored
 * and the document is never committed), and so does a body that ends inside a part.
 */
class EndOfFormGuard extends Transform {
  readonly #next: () => Promise<IteratorResult<MultipartFile | MultipartValue>>;
  readonly #part: MultipartFile;
  readonly #maxBytes: number;

  constructor(next: () => Promise<IteratorResult<MultipartFile | MultipartValue>>, part: MultipartFile, maxBytes: number) {
    super();
    this.#next = next;
    this.#part = part;
    this.#maxBytes = maxBytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.#part.file.truncated) return cb(new AppError('payload_too_large', `the upload limit is ${this.#maxBytes} bytes`, { limit: this.#maxBytes }));
    this.#next().then(
      (r) => {
        if (r.done) return cb();
        const extra = r.value;
        if (extra.type === 'file') extra.file.resume();
        cb(
          extra.type === 'file'
            ? new AppError('invalid_multipart', `only one file part is accepted (a second one, "${extra.fieldname}", follows the file)`, { field: extra.fieldname })
            : new AppError('invalid_multipart', `form field "${extra.fieldname}" comes after the file part; send every field before the file`, { field: extra.fieldname }),
        );
      },
      (e: unknown) => cb(multipartError(e)),
    );
  }
}

/** Errors from the multipart parser are about the body the client sent: a 4xx, never a 500. */
function multipartError(e: unknown): AppError {
  if (isAppError(e)) return e;
  const err = e as { code?: string; message?: string };
  switch (err?.code) {
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
    case 'FST_FILES_LIMIT':
      return new AppError('invalid_multipart', 'the form has too many parts (metadata fields, then one file part)');
    case 'FST_PROTO_VIOLATION':
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return new AppError('invalid_multipart', err.message);
    case 'FST_MP_PREMATURE_CLOSE':
    case 'ECONNRESET':
    case 'ERR_STREAM_PREMATURE_CLOSE':
    case 'ABORT_ERR':
      return new AppError('upload_aborted', 'the request ended before the multipart body was complete', {}, { cause: e });
  }
  const message = String(err?.message ?? '');
  if (/unexpected end of (form|multipart data)/i.test(message)) return new AppError('upload_aborted', 'the multipart body ends inside a part (truncated)', {}, { cause: e });
  if (/boundary/i.test(message)) return new AppError('invalid_multipart', 'Content-Type multipart/form-data needs a boundary parameter', { field: 'content-type' }, { cause: e });
  return new AppError('invalid_multipart', `the multipart body is malformed: ${message.slice(0, 200)}`, {}, { cause: e });
}

export const toMetadata = (m: UploadMeta): NewDocumentMetadata => ({
  patient: m.patient ?? '',
  type: m.type ?? '',
  title: m.title ?? '',
  description: m.description,
  category: m.category,
  date: m.date,
  author: m.author,
  retentionClass: m.retentionClass,
});

function filenameFromDisposition(h: string | undefined): string | null {
  if (!h) return null;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(h);
  if (star) {
    try {
      return decodeURIComponent(star[1]!);
    } catch {
      return null;
    }
  }
  return /filename\s*=\s*"?([^";]+)"?/i.exec(h)?.[1] ?? null;
}
