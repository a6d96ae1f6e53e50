export type DocumentStatus = 'current' | 'entered-in-error';

export interface Coding {
  system: string;
  code: string;
  display: string;
}

export interface DocumentVersion {
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
  /** created_at exactly as PostgreSQL holds it (microseconds, UTC ISO text): the list cursor's key. */
  createdAtExact: string;
  createdBy: string;
  updatedAt: Date;
  enteredInErrorReason: string | null;
  fhirState: 'indexed' | 'pending' | 'failed';
  fhirId: string | null;
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
}
