import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../../domain/errors.ts';
import type { ResumableUpload } from '../../../uploads/repository.ts';
import type { ResumableUploads } from '../../../uploads/resumable-uploads.ts';
import { METADATA_KEYS } from '../../../uploads/upload-metadata.ts';
import { CHECKSUM_ALGORITHMS, encodeUploadMetadata, parseNonNegativeInt, parseUploadChecksum, parseUploadMetadata } from '../../../uploads/tus-headers.ts';
import { problem } from '../../schemas.ts';
import type { App } from '../../types.ts';

const TUS_VERSION = '1.0.0';
/** Our extension header (tus 1.0 has none for it): the fewest bytes a PATCH may carry unless it ends the upload. */
const MIN_PATCH_HEADER = 'Quill-Min-Patch-Size';
const EXTENSIONS = 'creation,termination,checksum,expiration';

const idParams = Type.Object({ id: Type.String() });
/** An answer whose news is all in its headers: `null` in the published schema, nothing to send. */
const noBody = (description: string, headers?: object) => Type.Unsafe<void>({ type: 'null', description, ...(headers ? { headers } : {}) });
const tusHeader = {
  'Tus-Resumable': { type: 'string', description: 'always 1.0.0' },
  [MIN_PATCH_HEADER]: { type: 'integer', description: 'the fewest bytes a PATCH may carry unless it ends the upload (QUILL_TUS_MIN_PATCH_BYTES); on every answer' },
};

/**
 * tus 1.0 at /v1/uploads (core + creation, termination, checksum, expiration). The bodies are streams: this scope
 * registers no parser, so PATCH bytes stay in request.raw for the domain to read.
 */
export async function tusRoutes(app: App, uploads: ResumableUploads): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('Tus-Resumable', TUS_VERSION);
    reply.header('Cache-Control', 'no-store');
    // tus has no header for it: every answer says how small a PATCH may be (unless it ends the upload)
    reply.header(MIN_PATCH_HEADER, String(uploads.minPatchBytes));
    if (request.method === 'OPTIONS') return;
    const v = request.headers['tus-resumable'];
    if (v !== TUS_VERSION) {
      reply.header('Tus-Version', TUS_VERSION);
      throw new AppError('tus_version_unsupported', `send Tus-Resumable: ${TUS_VERSION}`);
    }
  });

  app.options('/v1/uploads', {
    config: { auth: false },
    schema: { tags: ['resumable uploads'], summary: 'tus discovery: version, extensions, size limit, checksum algorithms', response: { 204: noBody('capabilities in headers', tusHeader) } },
  }, async (_r, reply) => {
    reply
      .header('Tus-Version', TUS_VERSION)
      .header('Tus-Extension', EXTENSIONS)
      .header('Tus-Max-Size', String(uploads.maxUploadBytes))
      .header('Tus-Checksum-Algorithm', CHECKSUM_ALGORITHMS.join(','))
      .code(204)
      .send();
  });

  app.post('/v1/uploads', {
    schema: {
      tags: ['resumable uploads'],
      summary: 'Start a resumable upload (tus creation)',
      description:
        `Headers: Tus-Resumable: 1.0.0, Upload-Length (bytes, at most QUILL_MAX_UPLOAD_BYTES), Upload-Metadata with base64 values for ` +
        `${METADATA_KEYS.join(', ')} (the multipart form's fields; \`document\` adds a version to that document instead of creating one). ` +
        'Answers 201 with Location. Send the bytes with PATCH (Content-Type application/offset+octet-stream, Upload-Offset), each ' +
        'carrying at least Quill-Min-Patch-Size bytes unless it ends the upload; the PATCH that delivers the last byte commits the ' +
        'document and answers with Quill-Document-Id and Quill-Document-Version. A user may have QUILL_MAX_OPEN_UPLOADS uploads open ' +
        'at once (429 too_many_open_uploads beyond that).',
      response: { 201: noBody('created; Location names the upload', { Location: { type: 'string' }, 'Upload-Expires': { type: 'string' }, ...tusHeader }), 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 412: problem, 413: problem, 415: problem, 429: problem },
    },
  }, async (request, reply) => {
    if (request.headers['upload-defer-length'] !== undefined) throw new AppError('validation_failed', 'Upload-Defer-Length is not supported: send Upload-Length', { field: 'Upload-Defer-Length' });
    const length = parseNonNegativeInt(header(request.headers['upload-length']), 'Upload-Length');
    const metadata = parseUploadMetadata(header(request.headers['upload-metadata']));
    const upload = await uploads.create(request.ctx, length, metadata);
    request.raw.resume(); // creation-with-upload is not offered: drain any body
    reply.header('Location', `/v1/uploads/${upload.id}`).header('Upload-Expires', upload.expiresAt.toUTCString()).code(201).send();
  });

  app.head('/v1/uploads/:id', {
    schema: { tags: ['resumable uploads'], summary: 'Where a resumable upload stands (Upload-Offset, Upload-Length)', params: idParams, response: { 200: noBody('state in headers'), 401: problem, 403: problem, 404: problem, 410: problem, 412: problem } },
  }, async (request, reply) => {
    const upload = await uploads.status(request.ctx, request.params.id);
    sendState(reply, upload).code(200).send();
  });

  app.patch('/v1/uploads/:id', {
    schema: {
      tags: ['resumable uploads'],
      summary: 'Send bytes at Upload-Offset (optional Upload-Checksum: sha1|sha256 <base64>); at least Quill-Min-Patch-Size bytes unless they end the upload',
      params: idParams,
      response: { 204: noBody('bytes kept; Upload-Offset is the new offset'), 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 410: problem, 412: problem, 413: problem, 415: problem, 422: problem, 460: problem, 500: problem, 503: problem },
    },
  }, async (request, reply) => {
    const offset = parseNonNegativeInt(header(request.headers['upload-offset']), 'Upload-Offset');
    const checksum = parseUploadChecksum(header(request.headers['upload-checksum']));
    const { upload, committed } = await uploads.append(request.ctx, request.params.id, {
      offset,
      checksum,
      contentType: header(request.headers['content-type']),
      body: request.raw,
    });
    if (committed) {
      reply.header('Quill-Document-Id', committed.document.id).header('Quill-Document-Version', String(committed.version.version)).header('Quill-Sha256', committed.version.sha256);
    }
    sendState(reply, upload).code(204).send();
  });

  app.delete('/v1/uploads/:id', {
    schema: { tags: ['resumable uploads'], summary: 'Abandon a resumable upload (tus termination); its parts are removed', params: idParams, response: { 204: noBody('terminated'), 401: problem, 403: problem, 404: problem, 410: problem, 412: problem } },
  }, async (request, reply) => {
    await uploads.terminate(request.ctx, request.params.id);
    reply.code(204).send();
  });
}

function sendState(reply: FastifyReply, u: ResumableUpload): FastifyReply {
  reply.header('Upload-Offset', String(u.state === 'committed' ? u.length : u.offset)).header('Upload-Length', String(u.length));
  if (u.state === 'receiving') reply.header('Upload-Expires', u.expiresAt.toUTCString());
  const { filename, filetype, title } = u.metadata;
  reply.header('Upload-Metadata', encodeUploadMetadata(Object.fromEntries(Object.entries({ filename, filetype, title }).filter(([, v]) => v !== undefined)) as Record<string, string>));
  if (u.documentId) reply.header('Quill-Document-Id', u.documentId).header('Quill-Document-Version', String(u.documentVersion));
  return reply;
}

const header = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
