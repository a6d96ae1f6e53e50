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

/** What a document's metadata shows of a version: no storage keys or ids (a listing reads only these). */
export type ListedVersion = Pick<DocumentVersion, 'version' | 'contentType' | 'size' | 'sha256' | 'filename'>;

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
