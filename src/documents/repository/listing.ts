import type { Db } from '../../db/sql.ts';
import { AUDIT_COLUMNS_RECORDSET, auditInsertRows } from '../../audit/repository.ts';
import type { AuditColumns } from '../../audit/audit-log.ts';
import { listedDocumentJson } from '../document-json.ts';
import { MICROS_UTC, ON_HOLD } from './rows.ts';

/** A patient's documents, a page at a time, with the page's audit row (the list's hot path). */

export interface ListFilter {
  patient: string;
  type?: string | undefined;
  dateFrom?: string | undefined;
  dateTo?: string | undefined;
  includeEnteredInError: boolean;
  after?: { createdAt: string; id: string } | undefined;
  /** The page size: one more row is read to learn whether another page follows. */
  limit: number;
}

/**
 * A page of a patient's listing, as PostgreSQL wrote it: `itemsJson` is a JSON array of the API's Document
 * representation without its versions (document-json.ts: the field table the response schema and documentDto are made
 * from too), so a page crosses Node as one string instead of 51 rows of 30 columns parsed, mapped and serialised
 * again (about half of Node's CPU per page). test/api/list-json.test.ts holds every listed item equal to its GET.
 */
export interface ListingPage {
  itemsJson: string;
  /** The last item's keyset position (created_at to the microsecond, UTC; id) when another page follows. */
  next: { createdAt: string; id: string } | null;
}

/** One listed document as JSON text (d: documents, v: its current version), made from the field table. */
const LISTED_DOCUMENT_JSON = listedDocumentJson({ onHold: ON_HOLD('d') });

/** One listing page for listPages: the filter, and its success audit row's own columns (audit-log auditColumns). */
export interface AuditedListing {
  filter: ListFilter;
  audit: AuditColumns;
}

/**
 * For each listing: a patient's documents with their current version, newest first, keyset-paged on (created_at, id),
 * and the page's audit row (its count, merged into the row's detail); all listings in one statement (a group commit:
 * see db/statement-batcher.ts). Per listing, an index scan of documents_patient_created in page order from the cursor
 * (a missing cursor is (infinity, the largest uuid), so the row comparison stays the scan's start), joined index-only
 * to the version columns the primary key's index carries (migration 011).
 */
export async function listPages(db: Db, listings: AuditedListing[]): Promise<ListingPage[]> {
  const input = listings.map(({ filter: f, audit }, i) => ({
    ...audit, i, patient: f.patient, eie: f.includeEnteredInError, type: f.type ?? null, date_from: f.dateFrom ?? null, date_to: f.dateTo ?? null,
    after_at: f.after?.createdAt ?? null, after_id: f.after?.id ?? null, lim: f.limit,
  }));
  const rows = await db<{ i: number; items: string; found: number; next_at: string | null; next_id: string | null }[]>`
    with r as materialized (
      select * from jsonb_to_recordset(${db.json(input as never)}::jsonb) as r(i int, patient text, eie boolean, type text, date_from date, date_to date,
        after_at timestamptz, after_id uuid, lim int, ${db.unsafe(AUDIT_COLUMNS_RECORDSET)})
    ), page as materialized (
      select r.i, p.* from r cross join lateral (
        select row_number() over (order by d.created_at desc, d.id desc) as rn, ${db.unsafe(LISTED_DOCUMENT_JSON)} as j, d.created_at, d.id
        from documents d join document_versions v on v.document_id = d.id and v.version = d.current_version
        where d.patient_nhs = r.patient and d.disposal_id is null
          and (r.eie or d.status = 'current')
          and (r.type is null or d.type_code = r.type)
          and (r.date_from is null or d.clinical_date >= r.date_from)
          and (r.date_to is null or d.clinical_date <= r.date_to)
          and (d.created_at, d.id) < (coalesce(r.after_at, 'infinity'), coalesce(r.after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
        order by d.created_at desc, d.id desc
        limit r.lim + 1
      ) p
    ), agg as materialized (
      select r.i, count(p.rn)::int as found,
        '[' || coalesce(string_agg(p.j, ',' order by p.rn) filter (where p.rn <= r.lim), '') || ']' as items,
        min(to_char(p.created_at at time zone 'UTC', ${db.unsafe(MICROS_UTC)})) filter (where p.rn = r.lim) as next_at,
        min(p.id::text) filter (where p.rn = r.lim) as next_id
      from r left join page p on p.i = r.i
      group by r.i, r.lim
    ), audited as (
      ${auditInsertRows(db, db`
        select actor, roles, action, outcome, document_id, null::int as version, patient as patient_nhs, error_code, client_ip, user_agent,
          request_id, coalesce(detail, '{}') || jsonb_build_object('count', least(found, lim)) as detail
        from r join agg using (i)`)}
    )
    select i, found, items, next_at, next_id from agg`;
  const out: ListingPage[] = [];
  for (const row of rows) {
    const lim = listings[row.i]!.filter.limit;
    const more = row.found > lim && row.next_at !== null && row.next_id !== null;
    out[row.i] = { itemsJson: row.items, next: more ? { createdAt: row.next_at!, id: row.next_id! } : null };
  }
  return out;
}

/** A version row read as to_jsonb (timestamps arrive as text). */
