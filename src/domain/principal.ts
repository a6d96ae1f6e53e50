export const Roles = ['clinician', 'records-manager', 'auditor', 'admin'] as const;
export type Role = (typeof Roles)[number];

export type Permission = 'document:read' | 'document:write' | 'document:delete' | 'audit:read' | 'records:manage';

/** The authenticated caller. `patients` null means not patient-scoped. */
export interface Principal {
  sub: string;
  roles: string[];
  patients: string[] | null;
  /** A `Quill-Break-Glass: <reason>` header on this request: may read documents of a patient outside `patients`. */
  breakGlass?: string | undefined;
}

/** Who is asking, where from: every audit row carries this. */
export interface RequestContext {
  principal: Principal | null;
  clientIp: string | null;
  userAgent: string | null;
  /** Chosen by the service, always: what names the request in every audit row. */
  requestId: string;
  /** The client's own X-Request-Id, if it sent one: kept in each audit row's detail (clientRequestId), never as the id. */
  clientRequestId?: string | null;
}

/**
 * The audit context of work done with no request behind it: an operator command or one of the service's own jobs.
 * The actor is `system:<job>`; the request id is fresh and names the run in every audit row it writes.
 */
export function systemContext(job: string): RequestContext {
  return { principal: { sub: `system:${job}`, roles: [], patients: null }, clientIp: null, userAgent: `quill-docstore ${job}`, requestId: crypto.randomUUID() };
}
