export type DocumentStatus = 'current' | 'entered-in-error';

export interface Coding {
  system: string;
  code: string;
  display: string;
}

/**
 * How a version's bytes were scanned for malware: clean; pending (stored while the scanner was down, under
 * QUILL_SCAN_WHEN_DOWN=hold: served to nobody until a scan clears it); infected (found by a rescan: quarantined, bytes
 * kept); not-scanned (stored while scanning was off, or before it existed).
 */
export const SCAN_STATUSES = ['clean', 'pending', 'infected', 'not-scanned'] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];

/** What a version's last scan recorded. */
export interface VersionScan {
  scanStatus: ScanStatus;
  /** The scanner as it named itself (clamd's VERSION: "ClamAV 1.4.6"), null when not scanned. */
  scanner: string | null;
  /** The signature database's version and date as the scanner reported them ("27400/Mon Dec  7 08:00:00 2026"), when it did. */
  signatureVersion: string | null;
  scannedAt: Date | null;
  /** The malware found (infected only). */
  malware: string | null;
}

export interface DocumentVersion extends VersionScan {
  documentId: string;
  version: number;
  blobStore: string;
  blobKey: string;
  blobVersionId: string | null;
  contentType: string;
  size: number;
  sha256: string; // hex
  sha1: string; // hex
  filename: string | null;
  createdAt: Date;
  createdBy: string;
}

/** What a document's metadata shows of a version: no storage keys or ids (a listing reads only these). */
export type ListedVersion = Pick<DocumentVersion, 'version' | 'contentType' | 'size' | 'sha256' | 'filename' | 'scanStatus'>;

export interface DocumentRecord {
  id: string;
  patient: string; // NHS number
  type: Coding;
  category: Coding | null;
  title: string;
  description: string | null;
  clinicalDate: string | null; // ISO date
  author: string | null;
  status: DocumentStatus;
  currentVersion: number;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  enteredInErrorReason: string | null;
  fhirState: 'indexed' | 'pending' | 'failed';
  fhirId: string | null;
  /** Records governance (src/retention): the class, the last day it must be kept (null = indefinitely), facts missing. */
  retentionClass: string;
  retainUntil: string | null;
  retentionMissing: string[];
  /** Set once an approved disposal has begun: the document is no longer served. */
  disposalId: string | null;
  /** Whether any active legal hold covers the document (computed from the holds, never stale). */
  legalHold: boolean;
}

export interface DocumentWithVersion {
  document: DocumentRecord;
  version: DocumentVersion;
}

export interface NewDocumentMetadata {
  patient: string;
  type: string; // code
  title: string;
  description?: string | undefined;
  category?: string | undefined;
  date?: string | undefined;
  author?: string | undefined;
  /** A retention class overriding the type's (one the uploader's role may set). */
  retentionClass?: string | undefined;
}
