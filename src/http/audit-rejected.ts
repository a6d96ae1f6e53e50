import type { FastifyRequest } from 'fastify';
import type { AuditAction } from '../audit/audit-event.ts';
import type { AppError } from '../domain/errors.ts';
import type { AuditLogWriter } from './types.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once the route handler runs: from then on the service (or the route) audits the outcome itself. */
    reachedHandler?: boolean;
  }
}

/** The audit action each route's requests are recorded under. */
const actions: Record<string, AuditAction> = {
  'POST /v1/documents': 'document.create',
  'POST /v1/documents/:id/versions': 'document.version.create',
  'GET /v1/documents/:id': 'document.read',
  'GET /v1/documents': 'document.list',
  'POST /v1/documents/:id/download-url': 'document.download-url',
  'GET /v1/documents/:id/download': 'document.download-url',
  'GET /v1/documents/:id/content': 'document.content',
  'DELETE /v1/documents/:id': 'document.enter-in-error',
  'GET /v1/blobs/*': 'document.blob-fetch',
  'GET /fhir/DocumentReference/:id': 'fhir.read',
  'GET /fhir/DocumentReference': 'fhir.search',
  'POST /fhir/DocumentReference/_search': 'fhir.search',
  'POST /fhir': 'fhir.transaction',
  'GET /fhir/List': 'fhir.search',
  'POST /fhir/List/_search': 'fhir.search',
  'GET /fhir/List/:id': 'fhir.read',
  'GET /fhir/Binary/:id': 'document.content',
  'GET /v1/audit': 'audit.read',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A request refused before its handler ran (schema validation, a NUL byte, an unreadable body) is still an attempt
 * on a clinical route and is written to the audit trail, with what it asked for kept as (sanitised) detail.
 * Refused tokens are audited by the auth hook already (401), so they are skipped here.
 */
export async function auditRejectedRequest(audit: AuditLogWriter, request: FastifyRequest, err: AppError): Promise<void> {
  if (request.reachedHandler || err.status === 401 || !request.ctx) return;
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const action = actions[`${method} ${request.routeOptions?.url ?? ''}`];
  if (!action) return;
  // any route's parameters, refused or not yet validated: read, not assumed
  const { params } = request;
  const id = typeof params === 'object' && params !== null && 'id' in params ? params.id : undefined;
  // the query string as sent (request.query holds values already coerced by the schema)
  const raw = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
  await audit(request.ctx, {
    action,
    outcome: err.status === 403 ? 'denied' : 'failed',
    errorCode: err.code,
    documentId: typeof id === 'string' && UUID.test(id) ? id : null,
    detail: {
      rejected: err.message.slice(0, 500),
      ...(typeof id === 'string' && !UUID.test(id) ? { requestedDocumentId: id } : {}),
      ...(raw ? { query: safeDecode(raw).slice(0, 2000) } : {}),
    },
  });
}

function safeDecode(q: string): string {
  try {
    return decodeURIComponent(q.replace(/\+/g, ' '));
  } catch {
    return q;
  }
}
