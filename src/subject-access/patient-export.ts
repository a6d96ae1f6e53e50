import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { audited, type AuditTarget } from '../audit/audited.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { iterateAccessLog } from '../audit/repository.ts';
import { principalOf, requirePatient, requirePermission } from '../auth/permissions.ts';
import { databaseUnavailable } from '../db/errors.ts';
import type { Sql } from '../db/sql.ts';
import { validatePatient } from '../documents/metadata.ts';
import { patientRecord } from '../documents/repository.ts';
import { verifiedStream } from '../documents/verified-read.ts';
import { AppError, isAppError } from '../domain/errors.ts';
import type { BlobStores } from '../domain/ports.ts';
import type { RequestContext } from '../domain/principal.ts';
import { patientCertificates } from '../retention/repository/certificates.ts';
import { accessLogCsv, exportsBytes, fhirBundle, fileName, FILES, manifestCsv, manifestJson, readme, type ExportHeader } from './export-files.ts';
import { ConsumerGone, zipStream, type ZipEntry } from './zip-writer.ts';

/**
 * A patient's subject-access export (UK GDPR Article 15): one zip, streamed, with every version of every current
 * document (each verified against its SHA-256 while it is written; a mismatch, or a store failing, aborts the archive
 * and is audited), a manifest in JSON and CSV, the DocumentReferences as a FHIR Bundle, and the access log of the
 * patient's documents from the audit trail. Documents destroyed under the retention schedule are listed by their
 * certificates. For records managers and admins, within their patient scope; one `patient.export` audit row per
 * export, written before the archive's last bytes are sent (success) or when it failed.
 */

export interface PatientExportDeps {
  sql: Sql;
  blobs: BlobStores;
  log: Logger;
  baseUrl: () => string;
  odsCode: string;
}

export interface ExportTotals {
  /** Current documents (their bytes are in the archive). */
  documents: number;
  enteredInError: number;
  disposed: number;
  /** Document files (versions) in the archive, and their bytes. */
  files: number;
  bytes: number;
}

export interface ExportProgress {
  done: number;
  total: number;
  bytes: number;
  totalBytes: number;
  startedAt: number;
}

export interface PatientExport {
  patient: string;
  /** A name for the archive: patient-<NHS number>-records-<date>.zip */
  filename: string;
  totals: ExportTotals;
  /** The zip. */
  stream: Readable;
  /** Resolves when the archive was written to its end (and audited); rejects with why it failed. */
  done: Promise<void>;
}

export class PatientExports {
  readonly #d: PatientExportDeps;

  constructor(d: PatientExportDeps) {
    this.#d = d;
  }

  async open(ctx: RequestContext, patient: string, opts: { onProgress?: (p: ExportProgress) => void } = {}): Promise<PatientExport> {
    const d = this.#d;
    const target: AuditTarget = {};
    return audited(d.sql, d.log, ctx, 'patient.export', target, async () => {
      const p = principalOf(ctx);
      requirePermission(p, 'records:manage');
      const nhs = validatePatient(patient);
      target.patient = nhs;
      requirePatient(p, nhs);
      const docs = await patientRecord(d.sql, nhs);
      const certificates = await patientCertificates(d.sql, nhs);
      const current = docs.filter(exportsBytes);
      // a version already known to be damaged would abort the archive part-way: say so before sending anything
      const quarantined = current.flatMap((x) => x.versions.filter((v) => v.quarantinedAt).map((v) => `${v.documentId} v${v.version}`));
      if (quarantined.length) throw new AppError('content_quarantined', `the stored bytes of ${quarantined.join(', ')} failed an integrity check; repair them (scrub --repair) before exporting`, { versions: quarantined });

      const versions = current.flatMap((x) => x.versions.map((v) => ({ doc: x.document, v })));
      const totals: ExportTotals = {
        documents: current.length,
        enteredInError: docs.length - current.length,
        disposed: certificates.length,
        files: versions.length,
        bytes: versions.reduce((n, x) => n + x.v.size, 0),
      };
      const now = new Date();
      const header: ExportHeader = { patient: nhs, exportId: ctx.requestId, generatedAt: now.toISOString(), generatedBy: p.sub };
      const progress: ExportProgress = { done: 0, total: totals.files, bytes: 0, totalBytes: totals.bytes, startedAt: Date.now() };
      let accessLogRows = 0;
      let inProgress: { documentId: string; version: number } | null = null;
      const text = (s: string) => async () => Readable.from([Buffer.from(s)]);
      const entries: ZipEntry[] = [
        { name: FILES.readme, compress: true, open: text(readme(header, totals)) },
        { name: FILES.manifestJson, compress: true, open: async () => manifestJson(header, docs, certificates) },
        { name: FILES.manifestCsv, compress: true, open: async () => manifestCsv(docs, certificates) },
        ...versions.map(({ doc, v }) => ({
          name: fileName(doc, v),
          compress: false,
          size: v.size,
          open: async () => {
            inProgress = { documentId: v.documentId, version: v.version };
            // the caller audits a failure (the export's own row); a mismatch also flags the version, as any read does
            return verifiedStream(d, ctx, null, { documentId: v.documentId, version: v.version, patient: nhs }, v);
          },
        })),
        { name: FILES.fhirBundle, compress: true, open: async () => fhirBundle(header, docs, { baseUrl: d.baseUrl(), odsCode: d.odsCode }) },
        {
          name: FILES.accessLog,
          compress: true,
          open: async () => accessLogCsv(iterateAccessLog(d.sql, nhs, [...docs.map((x) => x.document.id), ...certificates.map((c) => c.documentId)]), () => accessLogRows++),
        },
      ];
      const zip = zipStream(entries, {
        mtime: now,
        onBytes: (entry, n) => {
          if (entry.size === undefined) return;
          progress.bytes += n;
          opts.onProgress?.(progress);
        },
        onEntryDone: (entry) => {
          if (entry.size === undefined) return;
          progress.done++;
          inProgress = null;
          opts.onProgress?.(progress);
        },
        beforeEnd: () => recordAudit(d.sql, ctx, { action: 'patient.export', outcome: 'success', patient: nhs, detail: { ...totals, accessLogRows } }),
      });
      const done = zip.done.catch(async (e: unknown) => {
        const err = isAppError(e) ? e : databaseUnavailable(e);
        const errorCode = e instanceof ConsumerGone ? 'connection_closed' : (err?.code ?? 'internal_error');
        if (!(e instanceof ConsumerGone)) d.log.error({ err: e, patient: nhs, requestId: ctx.requestId }, 'subject-access export failed part-way');
        await recordAudit(d.sql, ctx, {
          action: 'patient.export',
          outcome: 'failed',
          patient: nhs,
          errorCode,
          ...(inProgress ? { documentId: inProgress.documentId, version: inProgress.version } : {}),
          detail: { filesWritten: progress.done, bytesWritten: progress.bytes, ...totals },
        }).catch((ae: unknown) => d.log.error({ err: ae, requestId: ctx.requestId }, 'could not audit a failed export'));
        throw e;
      });
      done.catch(() => undefined); // the HTTP route only streams; the CLI awaits it
      return { patient: nhs, filename: `patient-${nhs}-records-${header.generatedAt.slice(0, 10)}.zip`, totals, stream: zip.stream, done };
    });
  }
}
