// Documents seeded through SQL as uploads leave them: a document, its first version (a fanned-out key, no bytes in the
// store), its committed upload intent and its built-in FHIR DocumentReference (the real mapping's JSON, with the
// document's id and patient), in batches. Audit rows are not seeded: the audit trail grows with every read, not with
// the number of documents (its size per row is reported by the benchmark that writes them).
import postgres from 'postgres';
import { toDocumentReference } from '../../src/fhir/document-reference.ts';

/** Valid NHS numbers (modulus 11), deterministic. */
export function nhsNumbers(n: number): string[] {
  const out: string[] = [];
  for (let base = 943_000_000; out.length < n; base++) {
    const d = String(base).split('').map(Number);
    const check = 11 - (d.reduce((a, x, i) => a + x * (10 - i), 0) % 11);
    if (check === 10) continue;
    out.push(`${base}${check === 11 ? 0 : check}`);
  }
  return out;
}

const ID = '00000000-0000-4000-8000-00000000beef';
const NHS = '9990009990';

/** The built-in index's resource for a typical document, as text with the id and patient to be replaced. */
function resourceTemplate(): string {
  const at = new Date('2024-05-01T10:00:00Z');
  const doc = {
    id: ID, patient: NHS, type: { system: 'http://snomed.info/sct', code: '373942005', display: 'Discharge summary' }, category: null,
    title: 'Discharge summary', description: null, clinicalDate: '2024-04-30', author: null, status: 'current', currentVersion: 1,
    createdAt: at, createdBy: 'bench', updatedAt: at, retentionClass: 'adult', retainUntil: '2032-04-30',
  };
  const v = { contentType: 'application/pdf', size: 102_400, sha256: 'a'.repeat(64), sha1: 'b'.repeat(40), createdAt: at };
  return JSON.stringify({ ...toDocumentReference(doc as never, v as never, { baseUrl: 'https://docs.example.nhs.uk', odsCode: 'RX1' }), meta: { lastUpdated: at.toISOString(), versionId: '1' } });
}

export interface SeedPlan {
  /** Every patient's NHS number; document i (from 0) belongs to patient i mod patients.length… */
  patients: string[];
  /** …except the first `heavy` × `perHeavy` documents, which belong to the first `heavy` patients, perHeavy each. */
  heavy: number;
  perHeavy: number;
}

const TABLES = ['documents', 'document_versions', 'upload_intents', 'fhir_document_references'];

/**
 * Documents [from, to) of the plan, in batches (one statement each, four tables). With `bulk` (millions of rows), the
 * tables' secondary indexes and unique constraints are dropped first and built again at the end with the definitions
 * the migrations gave them (a sorted build is much faster than millions of random insertions into each index), and
 * foreign-key checks are skipped for the seeded rows (session_replication_role, as a restore does): the rows are made
 * consistent by construction.
 */
export async function seedDocuments(sql: postgres.Sql, plan: SeedPlan, from: number, to: number, o: { bulk?: boolean; onProgress?: (done: number) => void } = {}): Promise<void> {
  const batch = o.bulk ? 250_000 : 50_000;
  const rebuild = o.bulk ? await dropSecondaryIndexes(sql) : [];
  await sql`create table if not exists bench_patients (n int primary key, nhs text not null)`;
  const [{ n }] = (await sql<{ n: number }[]>`select count(*)::int as n from bench_patients`) as unknown as [{ n: number }];
  if (n < plan.patients.length) {
    for (let i = 0; i < plan.patients.length; i += 10_000) {
      await sql`insert into bench_patients ${sql(plan.patients.slice(i, i + 10_000).map((nhs, j) => ({ n: i + j, nhs })))} on conflict do nothing`;
    }
  }
  const template = resourceTemplate();
  const P = plan.patients.length;
  const H = plan.heavy * plan.perHeavy;
  // two batches at a time (a server with two cores keeps both busy)
  const batches: number[] = [];
  for (let lo = from; lo < to; lo += batch) batches.push(lo);
  let done = from;
  const one = async (lo: number) => {
    const hi = Math.min(to, lo + batch) - 1;
    await sql.begin(async (tx) => {
      await tx`set local synchronous_commit = off`;
      if (o.bulk) await tx`set local session_replication_role = replica`;
      await tx`
        with g as (
          select i, gen_random_uuid() as id, gen_random_uuid() as up,
                 -- spread over five years, so a patient's documents interleave in time with everyone else's
                 now() - make_interval(secs => (hashint4(i)::bigint & 2147483647) % 157680000) as at,
                 case when i < ${H}::int then i / ${plan.perHeavy}::int else i % ${P}::int end as pn
          from generate_series(${lo}::int, ${hi}::int) i
        ), d as (
          insert into documents (id, patient_nhs, type_system, type_code, type_display, title, clinical_date, current_version, created_at, created_by, updated_at, fhir_state, retain_until)
          select g.id, p.nhs, 'http://snomed.info/sct', '373942005', 'Discharge summary', 'Discharge summary ' || g.i, (g.at at time zone 'UTC')::date,
                 1, g.at, 'bench', g.at, 'indexed', (g.at at time zone 'UTC')::date + 3000
          from g join bench_patients p on p.n = g.pn
          returning id, patient_nhs, created_at
        ), v as (
          insert into document_versions (document_id, version, blob_store, blob_key, content_type, size, sha256, sha1, filename, created_by, created_at)
          select g.id, 1, 'fs', 'documents/' || left(g.id::text, 3) || '/' || g.id || '_' || g.up, 'application/pdf', 102400,
                 md5(g.id::text) || md5(g.up::text), md5(g.up::text) || left(md5(g.id::text), 8), 'letter.pdf', 'bench', g.at
          from g
        ), u as (
          insert into upload_intents (id, document_id, blob_store, blob_key, state, created_at, created_by, finished_at)
          select g.up, g.id, 'fs', 'documents/' || left(g.id::text, 3) || '/' || g.id || '_' || g.up, 'committed', g.at, 'bench', g.at
          from g
        )
        insert into fhir_document_references (id, version_id, patient_nhs, status, type_system, type_code, date, period_start, identifier, last_updated, resource)
        select d.id, 1, d.patient_nhs, 'current', 'http://snomed.info/sct', '373942005', d.created_at, (d.created_at at time zone 'UTC')::date, 'urn:uuid:' || d.id, d.created_at,
               replace(replace(${template}::text, ${ID}::text, d.id::text), ${NHS}::text, d.patient_nhs)::jsonb
        from d`;
    });
    done += hi + 1 - lo;
    o.onProgress?.(done);
  };
  await Promise.all([0, 1].map(async () => {
    for (let lo = batches.shift(); lo !== undefined; lo = batches.shift()) await one(lo);
  }));
  for (const ddl of rebuild) {
    await sql.begin(async (tx) => {
      await tx`set local maintenance_work_mem = '1GB'`;
      await tx.unsafe(ddl);
    });
  }
}

/** Drops the seeded tables' indexes other than their primary keys; returns the statements that build them again. */
async function dropSecondaryIndexes(sql: postgres.Sql): Promise<string[]> {
  const found = await sql<{ index: string; table: string; def: string; conname: string | null; condef: string | null }[]>`
    select i.indexrelid::regclass::text as index, t.relname as table, pg_get_indexdef(i.indexrelid) as def, c.conname, pg_get_constraintdef(c.oid) as condef
    from pg_index i join pg_class t on t.oid = i.indrelid
    left join pg_constraint c on c.conindid = i.indexrelid and c.contype = 'u'
    where t.relname in ${sql(TABLES)} and not i.indisprimary`;
  const rebuild: string[] = [];
  for (const f of found) {
    if (f.conname) {
      await sql.unsafe(`alter table ${f.table} drop constraint ${f.conname}`);
      rebuild.push(`alter table ${f.table} add constraint ${f.conname} ${f.condef}`);
    } else {
      await sql.unsafe(`drop index ${f.index}`);
      rebuild.push(f.def);
    }
  }
  return rebuild;
}
