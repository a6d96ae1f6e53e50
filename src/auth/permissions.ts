import { AppError } from '../domain/errors.ts';
import type { Permission, Principal, RequestContext } from '../domain/principal.ts';

const grants: Record<string, readonly Permission[]> = {
  clinician: ['document:read', 'document:write'],
  'records-manager': ['document:read', 'document:write', 'document:delete', 'records:manage'],
  auditor: ['audit:read'],
  admin: ['document:read', 'document:write', 'document:delete', 'audit:read', 'records:manage'],
};

export function hasPermission(p: Principal, perm: Permission): boolean {
  return p.roles.some((r) => grants[r]?.includes(perm) ?? false);
}

/** Deny by default: a role grants what the table says and nothing more. */
export function requirePermission(p: Principal, perm: Permission): void {
  if (!hasPermission(p, perm)) throw new AppError('forbidden', `this action needs the ${perm} permission`);
}

/** A user with a `patients` claim may touch only those patients' documents. */
export function canAccessPatient(p: Principal, nhsNumber: string): boolean {
  return p.patients === null || p.patients.includes(nhsNumber);
}

export function requirePatient(p: Principal, nhsNumber: string): void {
  if (!canAccessPatient(p, nhsNumber)) throw new AppError('patient_forbidden');
}

/** The authenticated caller, or 401. */
export function principalOf(ctx: RequestContext): Principal {
  if (!ctx.principal) throw new AppError('unauthenticated');
  return ctx.principal;
}
