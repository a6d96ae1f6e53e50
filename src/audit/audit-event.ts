export type AuditOutcome = 'success' | 'denied' | 'failed';

export type AuditAction =
  | 'document.create'
  | 'document.import'
  | 'document.version.create'
  | 'document.read'
  | 'document.list'
  | 'document.download-url'
  | 'document.content'
  | 'document.blob-fetch'
  | 'document.enter-in-error'
  | 'document.blob-migrate'
  | 'document.blob-encrypt'
  | 'patient.export'
  | 'integrity_failure'
  | 'integrity.repair'
  | 'malware.quarantine'
  | 'upload.create'
  | 'upload.append'
  | 'upload.status'
  | 'upload.terminate'
  | 'fhir.read'
  | 'fhir.search'
  | 'fhir.transaction'
  | 'audit.read'
  | 'audit.export'
  | 'auth'
  | RetentionAction;

/** Records governance (src/retention). */
export type RetentionAction =
  | 'retention.facts.read'
  | 'retention.facts.set'
  | 'retention.facts.import'
  | 'retention.class.set'
  | 'retention.hold.set'
  | 'retention.hold.lift'
  | 'retention.hold.list'
  | 'retention.due'
  | 'retention.disposal.propose'
  | 'retention.disposal.approve'
  | 'retention.disposal.reject'
  | 'retention.disposal.list'
  | 'retention.dispose'
  | 'retention.certificate.read';

/** A refusal to authenticate or authorise (401/403) is a denial; any other error is a failure. */
export function outcomeOf(e: unknown): 'denied' | 'failed' {
  const status = (e as { status?: unknown } | null)?.status;
  return status === 401 || status === 403 ? 'denied' : 'failed';
}

export interface AuditEntry {
  action: AuditAction;
  outcome: AuditOutcome;
  documentId?: string | null | undefined;
  version?: number | null | undefined;
  patient?: string | null | undefined;
  errorCode?: string | null | undefined;
  detail?: Record<string, unknown> | null | undefined;
  /** The reason stated for a break-glass read; written into detail.breakGlass. */
  breakGlass?: string | null | undefined;
}

export interface AuditRecord {
  id: string;
  at: Date;
  actor: string | null;
  roles: string[];
  action: string;
  outcome: AuditOutcome;
  documentId: string | null;
  version: number | null;
  patient: string | null;
  errorCode: string | null;
  detail: Record<string, unknown> | null;
  clientIp: string | null;
  userAgent: string | null;
  requestId: string | null;
}
