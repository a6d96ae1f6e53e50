import type { Db } from '../../db/sql.ts';
import type { ScanStatus, VersionScan } from '../../domain/document.ts';

/** Malware scans of versions (src/scanning): what rescans walk, what they record, and the versions found infected (quarantined: documents/quarantine.ts). */

/** A stored version as a rescan reads it. */
export interface ScanCandidate {
  documentId: string;
  version: number;
  blobStore: string;
  blobKey: string;
  blobVersionId: string | null;
  size: number;
  sha256: string;
  scanStatus: ScanStatus;
  signatureVersion: string | null;
}

/** Which versions a rescan walks: every one, those created since a time, or those whose last scan used other signatures. */
export interface ScanSelection {
  /** Versions created at or after this time only (rescan --since). */
  createdSince?: Date | null | undefined;
  /** Only versions not scanned with these signatures (a signature update); pending ones always qualify. */
  notScannedWith?: string | null | undefined;
  /** Only versions waiting for a scan (pending). */
  pendingOnly?: boolean | undefined;
}

/** The next versions after the cursor, in (document_id, version) order, that the selection names. Infected ones stay as they are. */
export async function nextScanCandidates(db: Db, after: { documentId: string; version: number } | null, sel: ScanSelection, limit: number): Promise<ScanCandidate[]> {
  const rows = await db<{ document_id: string; version: number; blob_store: string; blob_key: string; blob_version_id: string | null; size: string; sha256: string; scan_status: ScanStatus; scan_signatures: string | null }[]>`
    select document_id, version, blob_store, blob_key, blob_version_id, size::text as size, sha256, scan_status, scan_signatures from document_versions
    where scan_status <> 'infected'
      ${after ? db`and (document_id, version) > (${after.documentId}::uuid, ${after.version})` : db``}
      ${sel.createdSince ? db`and created_at >= ${sel.createdSince}` : db``}
      ${sel.pendingOnly ? db`and scan_status = 'pending'` : db``}
      ${sel.notScannedWith ? db`and (scan_status = 'pending' or scan_signatures is distinct from ${sel.notScannedWith})` : db``}
    order by document_id, version limit ${limit}`;
  return rows.map((r) => ({
    documentId: r.document_id,
    version: r.version,
    blobStore: r.blob_store,
    blobKey: r.blob_key,
    blobVersionId: r.blob_version_id,
    size: Number(r.size),
    sha256: r.sha256,
    scanStatus: r.scan_status,
    signatureVersion: r.scan_signatures,
  }));
}

/** Records a clean scan of a version (unless a rescan found it infected meanwhile). */
export async function recordCleanScan(db: Db, v: { documentId: string; version: number }, scan: Pick<VersionScan, 'scanner' | 'signatureVersion'>): Promise<void> {
  await db`update document_versions set scan_status = 'clean', scanner = ${scan.scanner}, scan_signatures = ${scan.signatureVersion}, scanned_at = now(), malware_signature = null
    where document_id = ${v.documentId} and version = ${v.version} and scan_status <> 'infected'`;
}

/** Marks a version infected (quarantined); returns its patient, file name and SHA-256, or null when it already was (or does not exist). */
export async function flagInfected(
  db: Db,
  v: { documentId: string; version: number },
  scan: { scanner: string; signatureVersion: string | null; signature: string },
): Promise<{ patient: string; filename: string | null; sha256: string; createdBy: string } | null> {
  const rows = await db<{ patient_nhs: string; filename: string | null; sha256: string; created_by: string }[]>`
    update document_versions v set scan_status = 'infected', scanner = ${scan.scanner}, scan_signatures = ${scan.signatureVersion}, scanned_at = now(),
      malware_signature = ${scan.signature}
    from documents d
    where v.document_id = ${v.documentId} and v.version = ${v.version} and d.id = v.document_id and v.scan_status <> 'infected'
    returning d.patient_nhs, v.filename, v.sha256, v.created_by`;
  const r = rows[0];
  return r ? { patient: r.patient_nhs, filename: r.filename, sha256: r.sha256, createdBy: r.created_by } : null;
}

/** Every version found infected, oldest find first (rescan --json, /readyz). */
export async function infectedVersions(db: Db, limit = 1000): Promise<{ documentId: string; version: number; patient: string; filename: string | null; sha256: string; signature: string | null; scannedAt: Date | null }[]> {
  return db`select v.document_id as "documentId", v.version, d.patient_nhs as patient, v.filename, v.sha256, v.malware_signature as signature, v.scanned_at as "scannedAt"
    from document_versions v join documents d on d.id = v.document_id where v.scan_status = 'infected' order by v.scanned_at, v.document_id, v.version limit ${limit}`;
}

/** How many versions are infected (quarantined) and pending (held for a scan). */
export async function scanTotals(db: Db): Promise<{ infected: number; pending: number }> {
  const [r] = await db<{ infected: number; pending: number }[]>`
    select count(*) filter (where scan_status = 'infected')::int as infected, count(*) filter (where scan_status = 'pending')::int as pending
    from document_versions where scan_status in ('infected', 'pending')`;
  return r ?? { infected: 0, pending: 0 };
}
