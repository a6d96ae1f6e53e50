import type { AuditEntry } from '../audit/audit-event.ts';
import type { RequestContext } from '../domain/principal.ts';

export type AuditLogWriter = (ctx: RequestContext, e: AuditEntry) => Promise<void>;
