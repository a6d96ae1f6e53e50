import { INT4_MAX } from '../domain/input-limits.ts';
import type { RequestContext } from '../domain/principal.ts';
import type { AuditEntry } from './audit-event.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Text PostgreSQL accepts in text and jsonb: no NUL, no lone surrogate, bounded length. */
export function cleanText(s: string, max = 2000): string {
  return s.replace(/\u0000/g, '\uFFFD').toWellFormed().slice(0, max);
}

function cleanJson(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return cleanText(v);
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (v === null || typeof v !== 'object' || v instanceof Date) return v;
  if (depth > 8) return '[nested too deeply]';
  if (Array.isArray(v)) return v.slice(0, 100).map((x) => cleanJson(x, depth + 1));
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).slice(0, 100).map(([k, x]) => [cleanText(k, 200), cleanJson(x, depth + 1)]));
}

/**
 * Makes an audit row insertable whatever the request carried: an attempt with an out-of-range version, a malformed
 * id or a NUL byte must still be recorded, so values that do not fit their column move into `detail` as text.
 */
export function sanitiseAuditEntry(ctx: RequestContext, e: AuditEntry): { ctx: RequestContext; entry: AuditEntry } {
  const moved: Record<string, unknown> = {};
  let version = e.version ?? null;
  if (version !== null && !(Number.isInteger(version) && version >= 0 && version <= INT4_MAX)) {
    moved.requestedVersion = cleanText(String(version), 100);
    version = null;
  }
  let documentId = e.documentId ?? null;
  if (documentId !== null && !UUID.test(documentId)) {
    moved.requestedDocumentId = cleanText(documentId, 200);
    documentId = null;
  }
  const detail = e.detail || Object.keys(moved).length ? (cleanJson({ ...(e.detail ?? {}), ...moved }) as Record<string, unknown>) : null;
  const principal = ctx.principal ? { ...ctx.principal, sub: cleanText(ctx.principal.sub, 500), roles: ctx.principal.roles.map((r) => cleanText(r, 200)) } : null;
  return {
    ctx: {
      ...ctx,
      principal,
      clientIp: ctx.clientIp === null ? null : cleanText(ctx.clientIp, 100),
      userAgent: ctx.userAgent === null ? null : cleanText(ctx.userAgent, 512),
      requestId: cleanText(ctx.requestId, 100),
    },
    entry: {
      ...e,
      version,
      documentId,
      patient: e.patient == null ? null : cleanText(e.patient, 64),
      errorCode: e.errorCode == null ? null : cleanText(e.errorCode, 100),
      detail,
    },
  };
}
