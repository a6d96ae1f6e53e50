import { randomUUID } from 'node:crypto';
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { Bundle, DocumentReference, List, OperationOutcome } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { outcomeOf } from '../audit/audit-event.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { databaseUnavailable } from '../db/errors.ts';
import type { Sql } from '../db/sql.ts';
import type { DocumentBatch, CheckedMetadata } from '../documents/document-batch.ts';
import type { StoredBytes } from '../documents/upload.ts';
import { baseMediaType } from '../domain/content-types.ts';
import type { DocumentValueSet } from '../domain/document-types.ts';
import { AppError, isAppError } from '../domain/errors.ts';
import type { RequestContext } from '../domain/principal.ts';
import { readBundle, STREAMED_DATA, type DataStart } from './bundle-reader.ts';
import { readDocumentReference, type SubmittedDocument } from './document-metadata.ts';
import { operationOutcome, refusalStatus, transactionResponse, type EntryIssue, type EntryResponse } from './outcome.ts';
import * as repo from './repository.ts';
import { listKind, readSubmissionSet, type SubmissionSet } from './submission-set.ts';

export interface DocumentRecipientDeps {
  sql: Sql;
  log: Logger;
  /** The documents service's all-or-nothing batches (DocumentService.batch). */
  batch(ctx: RequestContext): DocumentBatch;
  valueSet: DocumentValueSet;
  /** QUILL_MAX_BUNDLE_BYTES. */
  maxBundleBytes: number;
}

/** The answer to an ITI-65 request: the transaction-response, or the OperationOutcome of a refused bundle. */
export type ProvideResult = { ok: true; bundle: Bundle } | { ok: false; status: number; outcome: OperationOutcome };

/** Bytes of one document of the bundle, going through the upload protocol (or refused by it). */
interface Data {
  documentId: string;
  stored: Promise<StoredBytes>;
  path: string;
}

type Entry =
  | { kind: 'binary'; fullUrl: string | undefined; contentType: string | null }
  | { kind: 'document'; fullUrl: string | undefined; doc: SubmittedDocument; checked: CheckedMetadata }
  | { kind: 'submission-set'; fullUrl: string | undefined; set: Omit<SubmissionSet, 'patient'>; patient: string | null; items: (string | undefined)[] }
  | { kind: 'refused' };

/**
 * IHE MHD ITI-65 Provide Document Bundle, as a Document Recipient: a FHIR R4 transaction Bundle of one SubmissionSet
 * List, its DocumentReferences, and their bytes (Binary entries referenced by urn:uuid from attachment.url, or inline
 * attachment.data). Read as a stream (bundle-reader.ts): each document's bytes go through the upload protocol as they
 * arrive (DocumentBatch: intent, hashing and type check in the one pass, into the live store), so the bundle is never
 * held whole; then every check against what the bundle declared (attachment.hash, size, contentType), the metadata's
 * domain rules and the caller's patient scope; then one transaction keeps every document and the SubmissionSet, or
 * nothing is kept and every stored object is removed. Audited as `fhir.transaction` (and each document as
 * `document.create`, in the same transaction).
 */
export class DocumentRecipient {
  readonly #d: DocumentRecipientDeps;

  constructor(d: DocumentRecipientDeps) {
    this.#d = d;
  }

  async provide(ctx: RequestContext, body: Readable): Promise<ProvideResult> {
    const audit = { patient: null as string | null };
    try {
      return { ok: true, bundle: await this.#provide(ctx, body, audit) };
    } catch (e) {
      const issues = e instanceof BundleRefused ? e.issues : [{ entry: null, error: isAppError(e) ? e : (databaseUnavailable(e) ?? internal(e)) }];
      const first = issues[0]!.error;
      if (first.code === 'internal_error') this.#d.log.error({ err: first.cause ?? first }, 'ITI-65 bundle failed');
      await recordAudit(this.#d.sql, ctx, {
        action: 'fhir.transaction',
        outcome: issues.some((i) => outcomeOf(i.error) === 'denied') ? 'denied' : 'failed',
        errorCode: first.code,
        patient: audit.patient,
        detail: { issues: issues.slice(0, 20).map((i) => ({ entry: i.entry, code: i.error.code, field: i.error.extra.field ?? null, message: i.error.message.slice(0, 300) })) },
      }).catch((ae: unknown) => this.#d.log.error({ err: ae, requestId: ctx.requestId }, 'could not write the audit row of a refused bundle'));
      return { ok: false, status: refusalStatus(issues), outcome: operationOutcome(issues) };
    }
  }

  async #provide(ctx: RequestContext, body: Readable, audit: { patient: string | null }): Promise<Bundle> {
    const batch = this.#d.batch(ctx); // 401/403 before a byte is read
    const issues: EntryIssue[] = [];
    const entries: Entry[] = [];
    const data = new Map<number, Data>();
    const refuse = (entry: number | null, e: unknown) => issues.push({ entry, error: isAppError(e) ? e : internal(e) });

    let top: Record<string, unknown>;
    try {
      top = await readBundle(
        body,
        {
          openData: (start) => {
            // after a refusal (or for a second content, refused anyway) the bytes are read past, not stored
            if (issues.length > 0 || (start.place.kind === 'attachment' && start.place.content !== 0)) return discardSink();
            return this.#store(batch, start, data);
          },
          entry: (i, e) => {
            try {
              entries[i] = this.#classify(i, e, batch);
            } catch (err) {
              // reading a resource only reads the JSON it is: anything but our own refusal means a member was not of
              // its FHIR type (a string where an array belongs, ...), which is the bundle's fault, not a server error
              refuse(i, isAppError(err) ? err : new AppError('invalid_bundle', `Bundle.entry[${i}] is not valid FHIR R4 JSON (${(err as Error).message?.slice(0, 200)})`, { field: `Bundle.entry[${i}].resource` }));
              entries[i] = { kind: 'refused' };
            }
          },
        },
        { maxBytes: this.#d.maxBundleBytes },
      );
    } catch (e) {
      await batch.discard();
      throw new BundleRefused([...issues, { entry: null, error: isAppError(e) ? e : internal(e) }]);
    }

    const plan = this.#link(top, entries, refuse);
    audit.patient = plan?.patient ?? null;
    await this.#checkBytes(entries, data, refuse);
    if (issues.length === 0 && plan?.set.uniqueId) {
      const earlier = await repo.uniqueIdTaken(this.#d.sql, plan.set.uniqueId);
      if (earlier) refuse(plan.setIndex, conflict(plan.setIndex, earlier));
    }
    if (issues.length > 0 || !plan) {
      await batch.discard();
      throw new BundleRefused(issues.length ? issues : [{ entry: null, error: new AppError('invalid_bundle', 'the bundle holds no SubmissionSet', { field: 'Bundle.entry' }) }]);
    }

    const set: SubmissionSet = { ...plan.set, patient: plan.patient };
    const docs = await Promise.all(
      plan.documents.map(async ({ index, dataIndex }) => {
        const e = entries[index] as Extract<Entry, { kind: 'document' }>;
        const d = data.get(dataIndex)!;
        return { ...e.checked, documentId: d.documentId, stored: await d.stored, submitted: e.doc.masterIdentifier };
      }),
    );
    const principal = ctx.principal!;
    try {
      await batch.commit(docs, { via: 'ITI-65', submissionSet: set.id }, async (tx) => {
        await Promise.all([
          repo.insertSubmissionSet(tx, set, principal.sub, docs.map((d) => ({ documentId: d.documentId, submittedIdentifier: d.submitted }))),
          recordAudit(tx, ctx, { action: 'fhir.transaction', outcome: 'success', patient: set.patient, detail: { submissionSet: set.id, documents: docs.map((d) => d.documentId) } }),
        ]);
      });
    } catch (e) {
      const unique = (e as { code?: string; constraint_name?: string }).constraint_name === 'submission_sets_unique_id_key';
      throw new BundleRefused([{ entry: plan.setIndex, error: unique ? conflict(plan.setIndex, null) : isAppError(e) ? e : (databaseUnavailable(e) ?? internal(e)) }]);
    }

    const now = new Date();
    const byEntry = (i: number): EntryResponse => {
      const e = entries[i]!;
      if (e.kind === 'submission-set') return { location: `List/${set.id}`, lastModified: now };
      if (e.kind === 'document') return { location: `DocumentReference/${data.get(plan.dataOf.get(i)!)!.documentId}`, lastModified: now };
      return { location: `Binary/${data.get(i)!.documentId}`, lastModified: now };
    };
    return transactionResponse(entries.map((_, i) => byEntry(i)));
  }

  /** Steps 1 and 2 of the upload protocol for a `data` value that starts: its bytes go into the live store as they come. */
  #store(batch: DocumentBatch, start: DataStart, data: Map<number, Data>): Writable {
    const sink = new PassThrough();
    const declared = typeof start.seen.contentType === 'string' ? baseMediaType(start.seen.contentType) : null;
    const { documentId, stored } = batch.store({
      body: sink,
      declaredType: declared === 'application/octet-stream' ? null : declared,
      filename: null,
      expectedSha256: null,
      sizeHint: null,
    });
    // refused before (or while) reading: let the rest of the value through to nowhere rather than hold up the bundle
    stored.catch(() => sink.resume());
    data.set(start.entry, { documentId, stored, path: start.path });
    return sink;
  }

  /** An entry as it ends: what it is, read and checked as far as it can be on its own. */
  #classify(i: number, entry: Record<string, unknown>, batch: DocumentBatch): Entry {
    const at = `Bundle.entry[${i}]`;
    const resource = entry.resource as { resourceType?: unknown } | undefined;
    if (!resource || typeof resource !== 'object') throw new AppError('invalid_bundle', `${at} has no resource`, { field: at });
    const request = entry.request as { method?: unknown; url?: unknown } | undefined;
    if (request?.method !== 'POST') {
      throw new AppError('invalid_bundle', `${at}.request.method must be POST: an ITI-65 bundle creates its resources`, { field: `${at}.request.method`, notSupported: true });
    }
    const fullUrl = typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined;
    switch (resource.resourceType) {
      case 'Binary': {
        const b = resource as { contentType?: unknown; data?: unknown };
        if (b.data !== STREAMED_DATA) throw new AppError('validation_failed', `${at}.resource.data: a Binary must carry the document's bytes (base64)`, { field: `${at}.resource.data` });
        return { kind: 'binary', fullUrl, contentType: typeof b.contentType === 'string' ? baseMediaType(b.contentType) : null };
      }
      case 'DocumentReference': {
        const doc = readDocumentReference(resource as DocumentReference, `${at}.resource`, this.#d.valueSet);
        let checked: CheckedMetadata;
        try {
          checked = batch.check(doc.meta);
        } catch (e) {
          throw atField(e, doc.paths, `${at}.resource`);
        }
        return { kind: 'document', fullUrl, doc, checked };
      }
      case 'List': {
        const list = resource as List;
        const kind = listKind(list);
        if (kind === 'folder') throw new AppError('invalid_bundle', `${at}: Folder Lists are not supported (only a SubmissionSet)`, { field: `${at}.resource.code`, notSupported: true });
        if (!kind) {
          throw new AppError('invalid_bundle', `${at}: a List must be an MHD SubmissionSet (code submissionset in https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes)`, { field: `${at}.resource.code` });
        }
        const { set, patient } = readSubmissionSet(list, `${at}.resource`, randomUUID(), new Date());
        return { kind: 'submission-set', fullUrl, set, patient, items: (list.entry ?? []).map((e) => e.item?.reference) };
      }
      default:
        throw new AppError('invalid_bundle', `${at}: an ITI-65 bundle holds a SubmissionSet List, DocumentReferences and Binaries, not ${String(resource.resourceType).slice(0, 60)}`, {
          field: `${at}.resource.resourceType`,
          notSupported: true,
        });
    }
  }

  /**
   * The bundle as a whole: a transaction with one SubmissionSet listing every DocumentReference, each DocumentReference's
   * bytes found (inline, or the one Binary its attachment.url names, used by no other), one patient throughout.
   */
  #link(top: Record<string, unknown>, entries: Entry[], refuse: (entry: number | null, e: unknown) => void) {
    if (top.resourceType !== 'Bundle') refuse(null, new AppError('invalid_bundle', `the body must be a FHIR Bundle, not ${String(top.resourceType).slice(0, 60)}`, { field: 'Bundle.resourceType' }));
    else if (top.type !== 'transaction') refuse(null, new AppError('invalid_bundle', `Bundle.type must be transaction, not ${String(top.type).slice(0, 40)}`, { field: 'Bundle.type' }));
    const byUrl = new Map<string, number>();
    entries.forEach((e, i) => {
      if (e.kind === 'refused' || !e.fullUrl) return;
      if (byUrl.has(e.fullUrl)) refuse(i, new AppError('invalid_bundle', `fullUrl ${e.fullUrl.slice(0, 200)} is also entry ${byUrl.get(e.fullUrl)}'s`, { field: `Bundle.entry[${i}].fullUrl` }));
      else byUrl.set(e.fullUrl, i);
    });
    const sets = entries.flatMap((e, i) => (e.kind === 'submission-set' ? [i] : []));
    if (sets.length !== 1 && !entries.some((e) => e.kind === 'refused')) {
      refuse(null, new AppError('invalid_bundle', `an ITI-65 bundle holds exactly one SubmissionSet List (this one holds ${sets.length})`, { field: 'Bundle.entry' }));
    }
    const documents: { index: number; dataIndex: number }[] = [];
    const dataOf = new Map<number, number>();
    const usedBinaries = new Map<number, number>();
    entries.forEach((e, i) => {
      if (e.kind !== 'document') return;
      let dataIndex = i;
      if (e.doc.source.kind === 'binary') {
        const b = byUrl.get(e.doc.source.url);
        if (b === undefined || entries[b]?.kind !== 'binary') {
          return refuse(i, new AppError('invalid_bundle', `${e.doc.attachmentPath}.url: no Binary entry of the bundle has fullUrl ${e.doc.source.url.slice(0, 200)}`, { field: `${e.doc.attachmentPath}.url` }));
        }
        if (usedBinaries.has(b)) {
          return refuse(i, new AppError('invalid_bundle', `${e.doc.attachmentPath}.url: the Binary is entry ${usedBinaries.get(b)}'s already (one document per Binary)`, { field: `${e.doc.attachmentPath}.url` }));
        }
        usedBinaries.set(b, i);
        dataIndex = b;
      }
      documents.push({ index: i, dataIndex });
      dataOf.set(i, dataIndex);
    });
    entries.forEach((e, i) => {
      if (e.kind === 'binary' && !usedBinaries.has(i)) refuse(i, new AppError('invalid_bundle', `Bundle.entry[${i}]: no DocumentReference's attachment.url names this Binary`, { field: `Bundle.entry[${i}].fullUrl` }));
    });
    if (sets.length !== 1) return null;
    const setIndex = sets[0]!;
    const s = entries[setIndex] as Extract<Entry, { kind: 'submission-set' }>;
    const listed = new Set<number>();
    s.items.forEach((ref, j) => {
      const target = ref === undefined ? undefined : byUrl.get(ref);
      if (target === undefined || entries[target]?.kind === 'binary' || entries[target]?.kind === 'submission-set') {
        refuse(setIndex, new AppError('invalid_bundle', `Bundle.entry[${setIndex}].resource.entry[${j}].item must reference a DocumentReference of the bundle by its fullUrl`, { field: `Bundle.entry[${setIndex}].resource.entry[${j}].item` }));
      } else listed.add(target);
    });
    for (const { index } of documents) {
      if (!listed.has(index)) refuse(index, new AppError('invalid_bundle', `Bundle.entry[${index}]: the SubmissionSet does not list this DocumentReference`, { field: `Bundle.entry[${setIndex}].resource.entry` }));
    }
    if (documents.length === 0 && !entries.some((e) => e.kind === 'refused')) refuse(null, new AppError('invalid_bundle', 'the bundle holds no DocumentReference', { field: 'Bundle.entry' }));
    const patients = new Set(documents.map(({ index }) => (entries[index] as Extract<Entry, { kind: 'document' }>).checked.meta.patient));
    if (s.patient) patients.add(s.patient);
    if (patients.size > 1) {
      refuse(setIndex, new AppError('validation_failed', 'a SubmissionSet and its documents must all be about one patient', { field: `Bundle.entry[${setIndex}].resource.subject` }));
    }
    const patient = s.patient ?? [...patients][0] ?? null;
    return patient ? { set: s.set, setIndex, patient, documents, dataOf } : null;
  }

  /** Waits for every document's bytes, then holds them to what the bundle declared of them. */
  async #checkBytes(entries: Entry[], data: Map<number, Data>, refuse: (entry: number | null, e: unknown) => void): Promise<void> {
    const stored = new Map<number, StoredBytes>();
    await Promise.all(
      [...data].map(([i, d]) =>
        d.stored.then(
          (s) => void stored.set(i, s),
          (e: unknown) => refuse(i, isAppError(e) ? withField(e, d.path) : internal(e)),
        ),
      ),
    );
    entries.forEach((e, i) => {
      if (e.kind === 'binary') {
        const s = stored.get(i);
        if (s && e.contentType && e.contentType !== 'application/octet-stream' && e.contentType !== s.version.contentType) {
          refuse(i, mismatch('content_type_mismatch', `Bundle.entry[${i}].resource.contentType`, `declared ${e.contentType} but the bytes are ${s.version.contentType}`));
        }
      }
      if (e.kind !== 'document') return;
      const ref = e.doc.source.kind === 'binary' ? e.doc.source.url : null;
      const dataIndex = ref === null ? i : entries.findIndex((x) => x.kind === 'binary' && x.fullUrl === ref);
      const s = stored.get(dataIndex);
      if (!s) return;
      const a = e.doc.attachmentPath;
      const v = s.version;
      if (e.doc.expected.size !== null && e.doc.expected.size !== v.size) refuse(i, mismatch('size_mismatch', `${a}.size`, `declared ${e.doc.expected.size} bytes, received ${v.size}`));
      if (e.doc.expected.sha1 !== null && e.doc.expected.sha1 !== v.sha1) {
        refuse(i, mismatch('digest_mismatch', `${a}.hash`, `the SHA-1 declared does not match the bytes (received ${Buffer.from(v.sha1, 'hex').toString('base64')})`));
      }
      if (e.doc.expected.sha256 !== null && e.doc.expected.sha256 !== v.sha256) refuse(i, mismatch('digest_mismatch', `${a}.extension`, `the SHA-256 declared does not match the bytes (received ${v.sha256})`));
      if (e.doc.declaredType && e.doc.declaredType !== 'application/octet-stream' && e.doc.declaredType !== v.contentType) {
        refuse(i, mismatch('content_type_mismatch', `${a}.contentType`, `declared ${e.doc.declaredType} but the bytes are ${v.contentType}`));
      }
    });
  }
}

/** A refused bundle: every issue found. */
class BundleRefused extends Error {
  readonly issues: EntryIssue[];
  constructor(issues: EntryIssue[]) {
    super(issues[0]?.error.message ?? 'the bundle was refused');
    this.issues = issues;
  }
}

/** Where a stream that is read past goes: nowhere. */
const discardSink = () =>
  new Writable({
    write: (_c, _e, cb) => cb(),
  });

const internal = (e: unknown) => new AppError('internal_error', 'an unexpected error occurred; it has been logged', {}, { cause: e });
const mismatch = (code: 'size_mismatch' | 'digest_mismatch' | 'content_type_mismatch', path: string, message: string) => new AppError(code, `${path}: ${message}`, { field: path });
const conflict = (setIndex: number, earlier: string | null) =>
  new AppError('conflict', `a SubmissionSet with this uniqueId was received already${earlier ? ` (List/${earlier})` : ''}: nothing of this bundle was kept`, {
    field: `Bundle.entry[${setIndex}].resource.identifier`,
    ...(earlier ? { existing: `List/${earlier}` } : {}),
  });

/** The same refusal, naming the FHIRPath of the value it is about. */
function withField(e: AppError, path: string): AppError {
  return typeof e.extra.field === 'string' && e.extra.field.startsWith('Bundle') ? e : new AppError(e.code, `${path}: ${e.message}`, { ...e.extra, field: path }, { cause: e });
}

/** A refusal of the domain rules (by upload field: patient, type, ...) named by where the DocumentReference held it. */
function atField(e: unknown, paths: Record<string, string>, at: string): unknown {
  if (!isAppError(e)) return e;
  const field = typeof e.extra.field === 'string' ? e.extra.field : null;
  const path = (field && paths[field]) ?? (e.code === 'patient_forbidden' ? paths.patient : null) ?? at;
  return withField(e, path!);
}
