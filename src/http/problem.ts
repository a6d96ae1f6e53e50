import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { databaseUnavailable } from '../db/errors.ts';
import { AppError, isAppError, type ErrorCode } from '../domain/errors.ts';

export const PROBLEM_TYPE_BASE = 'https://quill-docstore.nhs.example/problems/';

/** The RFC 9457 body every error gets: type, title, status, detail, instance, plus our stable `code`. */
export function problemBody(err: AppError, request: FastifyRequest): Record<string, unknown> {
  return {
    type: `${PROBLEM_TYPE_BASE}${err.code}`,
    title: err.title,
    status: err.status,
    detail: err.message,
    instance: request.url.split('?')[0],
    code: err.code,
    requestId: request.id,
    ...err.extra,
  };
}

/** Fastify's (and its plugins') own 4xx errors, by status, when their code is not mapped above. */
const byStatus: Record<number, ErrorCode> = {
  400: 'validation_failed',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  411: 'length_required',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  431: 'request_header_fields_too_large',
};

/** Turns anything thrown into an AppError: ours as they are, Fastify's by their code, the rest as 500/503. */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  const fe = e as FastifyError & { validation?: unknown[]; code?: string; errno?: unknown };
  if (fe?.validation) return new AppError('validation_failed', fe.message, { errors: fe.validation });
  switch (fe?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return new AppError('payload_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new AppError('unsupported_media_type', fe.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new AppError('validation_failed', fe.message);
    case 'FST_NO_FORM_DATA':
      return new AppError('validation_failed', 'the multipart body has no file part');
  }
  const dbDown = databaseUnavailable(e);
  if (dbDown) return dbDown;
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError(byStatus[fe.statusCode] ?? 'validation_failed', fe.message);
  }
  return new AppError('internal_error', 'an unexpected error occurred; it has been logged', {}, { cause: e });
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, e: unknown): FastifyReply {
  const err = toAppError(e);
  if (err.status >= 500) request.log.error({ err: err.cause ?? err, code: err.code }, err.message);
  else request.log.info({ code: err.code }, err.message);
  if (err.retryAfter) reply.header('retry-after', String(err.retryAfter));
  if (err.status === 401) reply.header('www-authenticate', `Bearer error="${err.code === 'invalid_token' ? 'invalid_token' : 'invalid_request'}"`);
  return reply.code(err.status).type('application/problem+json').send(problemBody(err, request));
}
