import type { AuditTarget } from '../audit/audited.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { canAccessPatient, hasPermission, principalOf } from '../auth/permissions.ts';
import { AppError } from '../domain/errors.ts';
import type { Principal, RequestContext } from '../domain/principal.ts';
import * as certs from './repository/certificates.ts';
import { auditedAs, type RetentionDeps } from './retention-deps.ts';

/** Certificates of destruction, read by records managers, auditors and admins (a reader limited to some patients: theirs). */

export async function certificates(d: RetentionDeps, ctx: RequestContext, f: { patient?: string; batch?: string; limit: number }) {
  const target: AuditTarget = { patient: f.patient ?? null };
  return auditedAs(d, ctx, 'retention.certificate.read', target, async () => {
    const p = certificateReader(ctx);
    // a reader limited to some patients lists one of them at a time
    if (p.patients !== null && !(f.patient && canAccessPatient(p, f.patient))) throw new AppError('patient_forbidden', 'name one of your patients (?patient=)');
    const out = await certs.listCertificates(d.sql, f);
    await recordAudit(d.sql, ctx, { action: 'retention.certificate.read', outcome: 'success', ...target, detail: { count: out.length } });
    return out;
  });
}

export async function certificate(d: RetentionDeps, ctx: RequestContext, id: string) {
  const target: AuditTarget = {};
  return auditedAs(d, ctx, 'retention.certificate.read', target, async () => {
    const p = certificateReader(ctx);
    const c = await certs.findCertificate(d.sql, id);
    if (!c) throw new AppError('not_found', `no certificate ${id}`);
    Object.assign(target, { documentId: c.documentId, patient: c.patient });
    if (!canAccessPatient(p, c.patient)) throw new AppError('patient_forbidden');
    await recordAudit(d.sql, ctx, { action: 'retention.certificate.read', outcome: 'success', ...target });
    return c;
  });
}

function certificateReader(ctx: RequestContext): Principal {
  const p = principalOf(ctx);
  if (!hasPermission(p, 'records:manage') && !hasPermission(p, 'audit:read')) throw new AppError('forbidden', 'certificates are for records managers, auditors and admins');
  return p;
}
