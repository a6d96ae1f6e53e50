import type { Readable } from 'node:stream';

/** Every kind of blob store, written once: configuration, the registry and the CLI all take it from here. */
export const BLOB_STORE_KINDS = ['fs', 's3', 'azure'] as const;
export type BlobStoreKind = (typeof BLOB_STORE_KINDS)[number];
export const isBlobStoreKind = (kind: string): kind is BlobStoreKind => (BLOB_STORE_KINDS as readonly string[]).includes(kind);

export interface BlobPutOptions {
  contentType: string;
  /** The client's SHA-256 when known before the bytes; a store that can should refuse a mismatch itself. */
  expectedSha256?: Buffer | undefined;
  /** Where the store enforces retention (S3 Object Lock): the version is written locked until then. */
  retainUntil?: Date | undefined;
}

/**
 * Object Lock: retention the store enforces itself (S3 Object Lock, Azure version-level immutability), and the one way
 * the service reaches it. Documents are locked only where the operator asked for it (`locksDocuments`); a write-once
 * record (an audit-chain anchor) is locked wherever the store can.
 */
export interface StoreRetention {
  /**
   * Every document version is locked (QUILL_S3_OBJECT_LOCK_MODE, QUILL_AZURE_IMMUTABILITY): written locked until its
   * retention date (BlobPutOptions.retainUntil), the lock extended as retention grows, legal holds mirrored.
   * setRetainUntil and setLegalHold are for those documents, and only where this is true.
   */
  readonly locksDocuments: boolean;
  /** Sets or extends a document version's retain-until date in the configured mode (a store refuses to shorten a COMPLIANCE lock). */
  setRetainUntil(key: string, versionId: string | null, until: Date): Promise<void>;
  setLegalHold(key: string, versionId: string | null, on: boolean): Promise<void>;
  /**
   * Makes one record write-once until `until` (COMPLIANCE: not even the bucket owner can delete or replace it),
   * whatever mode documents are locked in. Resolves false where the store cannot (a bucket without Object Lock).
   */
  writeOnce(key: string, versionId: string | null, until: Date): Promise<boolean>;
}

export interface BlobPutResult {
  /** The store's version id for this object (S3 VersionId, Azure versionId); null where keys are never reused (fs). */
  versionId: string | null;
  /** The SHA-256 the store itself computed, hex, where it reports a full-object one. */
  storeSha256?: string | undefined;
}

export interface PresignOptions {
  expiresInSeconds: number;
  contentType: string;
  filename: string | null;
  /** The user the URL is issued to, carried where the store lets us (fs) so fetches can be audited. */
  issuedTo: string;
  /**
   * That user reviews entered-in-error documents (document:delete), carried where the store lets us (fs) so each
   * fetch applies the read rules again as that user would be (S3/Azure serve their URLs themselves, unchecked).
   */
  reviewer?: boolean;
}

export interface BlobListing {
  key: string;
  versionId: string | null;
  size: number;
  lastModified: Date;
}

/** One finding of `quill-docstore doctor`: what was checked, whether it passed, and how to fix it. */
export interface StoreCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string | undefined;
  /** Passes, but an operator must read it (printed as WARN by `doctor`). */
  warning?: boolean | undefined;
}

/**
 * An object put together over several requests (a resumable upload's PATCHes), then made visible under its key at
 * once without its bytes being copied: fs appends to one file, S3 uploads the runs as the parts of one multipart
 * upload, Azure stages them as blocks. The caller keeps the state between requests (in PostgreSQL), so any instance
 * continues it; every working object the store needs lives under the prefix given to start().
 */
export interface ComposeState {
  /** The key the object appears under once finished. */
  readonly key: string;
  /** Where the store keeps its working objects for it (e.g. `uploads/<id>/`). */
  readonly prefix: string;
  /** The finished object's size, declared up front (a store may need to know which bytes are the last). */
  readonly length: number;
  /** Bytes appended so far. */
  readonly size: number;
  /** Working objects under the prefix this state needs; any other object there is a leftover the caller may remove. */
  readonly holds: readonly string[];
  /** The store's own bookkeeping, JSON: the fs file, S3's upload id and parts, Azure's block ids. */
  readonly store: Readonly<Record<string, unknown>>;
}

/** The composing capability of a BlobStore (see ComposeState). */
export interface BlobComposer {
  /** Starts an object of `length` bytes that will appear under key only when finished. */
  start(key: string, o: { prefix: string; length: number; contentType: string }): Promise<ComposeState>;
  /**
   * Appends what body delivers (it may end early: those bytes count) after state.size, durably, and resolves with the
   * new state. On any error nothing counts. Either way the state passed in stays valid until the caller records the
   * new one (a state never recorded is simply dropped: its working objects are leftovers).
   */
  append(state: ComposeState, body: Readable): Promise<ComposeState>;
  /** All `length` bytes are in: the object appears under its key, as put() would have left it. */
  finish(state: ComposeState): Promise<BlobPutResult>;
  /** Gives an unfinished object up (S3: aborts its multipart upload). The working objects are the caller's to remove. */
  abandon(state: ComposeState): Promise<void>;
}

/**
 * Where the bytes live. Keys are never reused: each document version gets a fresh key, so nothing is overwritten.
 * Implementations: filesystem (embedded default), S3-compatible, Azure Blob.
 */
export interface BlobStore {
  /** The store's name as versions record it: its kind (fs, s3, azure) or a named store's name (QUILL_STORES). */
  readonly kind: string;
  /** Streams body to the store. On any error nothing is left visible under key. */
  put(key: string, body: Readable, opts: BlobPutOptions): Promise<BlobPutResult>;
  /** Streams the object back; throws AppError not_found when absent. */
  get(key: string, versionId: string | null): Promise<Readable>;
  /** A time-limited URL that lets the holder GET exactly this object version. */
  presign(key: string, versionId: string | null, opts: PresignOptions): Promise<string>;
  /** Removes one object version (used only for orphans that no metadata points at). */
  delete(key: string, versionId: string | null): Promise<void>;
  /** Every object version under prefix, for the reconciler. */
  list(prefix: string): AsyncIterable<BlobListing>;
  /**
   * Ends uploads that were started before `startedBefore` and never completed (S3 multipart uploads), freeing their
   * parts; returns how many. Stores whose partial uploads are visible to list() (fs temp files) or expire by
   * themselves (Azure uncommitted blocks, after 7 days) return 0. `keep`: keys whose unfinished upload is still
   * wanted however old (a resumable upload still receiving).
   */
  abortIncompleteUploads(startedBefore: Date, keep?: (key: string) => boolean): Promise<number>;
  /** Objects put together over several requests (resumable uploads). */
  readonly composer: BlobComposer;
  /** Throws AppError storage_unavailable when the store cannot be used. */
  ping(): Promise<void>;
  /**
   * Plaintext bytes start..end (inclusive), where the store authenticates every byte it returns by itself (the
   * encrypted fs store); resolves null for an object it cannot (a plaintext file).
   */
  getAuthenticatedRange?(key: string, versionId: string | null, range: { start: number; end: number }): Promise<Readable | null>;
  /** The store's own full-object SHA-256 (hex) where it keeps one (S3), for the scrubber's cheap first check. */
  storedSha256?(key: string, versionId: string | null): Promise<string | null>;
  /** Deeper readiness checks (bucket, versioning, encryption, CORS, lifecycle) for `doctor` and /readyz. */
  doctor(): Promise<StoreCheck[]>;
  /** Closes the store's keep-alive connections (a command that is done with it), where it keeps any. */
  destroy?(): void;
  /** Object Lock, where the store has it (S3: always, documents only when configured; Azure: when configured). */
  readonly retention?: StoreRetention | undefined;
}

/**
 * Every configured store: new bytes go to the live one (QUILL_BLOB_STORE); each version is read from the store it
 * lives in, so documents stay readable while migrate-blobs moves them.
 */
export interface BlobStores {
  readonly live: BlobStore;
  /** The store of that kind; throws AppError storage_unavailable when it is not configured. */
  of(kind: string): Promise<BlobStore>;
}

/**
 * What removing a document's entry from a remote FHIR server achieved: 'expunged', nothing of it left there; or
 * 'history-kept', deleted (no longer read or found) but its earlier versions still readable through `_history`,
 * because the server does not offer `$expunge`.
 */
export type FhirRemoval = 'expunged' | 'history-kept';

/** The scanner's name for itself and its signature database, recorded with every verdict. */
export interface ScannerIdentity {
  /** e.g. "ClamAV 1.4.6". */
  scanner: string;
  /** e.g. "27400/Mon Dec  7 08:00:00 2026"; null when the scanner does not say (a private database). */
  signatureVersion: string | null;
}

/**
 * A scan's outcome. `unavailable`: the scanner could not give a verdict (unreachable, killed mid-scan, silent past its
 * timeout, answering what cannot be read), which is never taken as clean. `too-large`: the scanner refuses streams of
 * this size (clamd's StreamMaxLength), which is never taken as clean either.
 */
export type ScanVerdict =
  | ({ result: 'clean' } & ScannerIdentity)
  | ({ result: 'infected'; signature: string } & ScannerIdentity)
  | { result: 'unavailable'; reason: string }
  | { result: 'too-large'; reason: string };

/**
 * One scan of one stream: the bytes are written as they pass (in the same pass as the store write and the hash),
 * then end() asks for the verdict. A scanner failure never rejects write(): it resolves at once from then on, and
 * the verdict says `unavailable`.
 */
export interface ScanSession {
  /** Resolves when the scanner can take more (backpressure), or at once after a failure. */
  write(chunk: Buffer): Promise<void>;
  /** No more bytes: the verdict follows. */
  end(): void;
  /** The upload failed: drop the scan. */
  abort(): void;
  readonly verdict: Promise<ScanVerdict>;
}

/** A malware scanner (clamd, src/scanning). */
export interface MalwareScanner {
  /** Where it is, for messages (tcp://host:port, unix:/path). */
  readonly where: string;
  scan(): ScanSession;
  /** Its name and signature version now; throws when it cannot be reached. */
  identity(): Promise<ScannerIdentity>;
}
