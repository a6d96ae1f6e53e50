// The whole API flow with the live store on real servers: S3 (SeaweedFS, versioned bucket) and Azure (Azurite, which
// has no versioning, so QUILL_ALLOW_UNVERSIONED=true). Then what happens when the store goes away (503, nothing in
// PostgreSQL, /readyz says blob is down), the start-up refusal of an unversioned store, and `doctor`.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createTestDatabase } from '../support/database.ts';
import { PATIENT, pdfBytes, pngBytes, sha256, uploadMultipart } from '../support/fixtures.ts';
import { azureEnv, liveStores, newBucket, newContainer, requireServers, runCli, s3Env, useAwsCredentials } from '../support/live-stores.ts';
import { startSeaweed } from '../support/seaweedfs.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const MiB = 1024 * 1024;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const bytesOf = async (r: Response) => Buffer.from(await r.arrayBuffer());

const run = requireServers('live stores through the API');

const servers = liveStores(run);

/**
 * upload → metadata → download-url (fetched with no token; bytes equal) → content → a new version (> 8 MiB, so S3
 * takes it as a multipart upload and Azure in blocks) → both versions readable. Returns the document id.
 */
async function wholeFlow(s: TestServer, expectUrl: (url: string, row: { blob_version_id: string | null }) => void): Promise<string> {
  const t = await s.token('dr.store', ['clinician']);
  const v1 = pdfBytes('live store v1');
  const created = await uploadMultipart(s.baseUrl, t, v1, { filename: 'letter.pdf' });
  expect(created.status).toBe(201);
  const doc = await created.json();
  expect(doc).toMatchObject({ version: 1, sha256: sha256(v1), size: v1.length, contentType: 'application/pdf' });

  const meta = await (await fetch(`${s.baseUrl}/v1/documents/${doc.id}`, { headers: auth(t) })).json();
  expect(meta).toMatchObject({ id: doc.id, patient: PATIENT, currentVersion: 1, sha256: sha256(v1) });

  const [row1] = await s.sql`select blob_store, blob_key, blob_version_id from document_versions where document_id = ${doc.id} and version = 1`;
  expect(row1!.blob_store).toBe(s.cfg.blobStore);
  const link = await (await fetch(`${s.baseUrl}/v1/documents/${doc.id}/download-url`, { method: 'POST', headers: auth(t) })).json();
  expect(link).toMatchObject({ sha256: sha256(v1), size: v1.length, version: 1 });
  expectUrl(link.url, row1 as { blob_version_id: string | null });
  const fetched = await fetch(link.url);
  expect(fetched.status).toBe(200);
  expect(sha256(await bytesOf(fetched))).toBe(sha256(v1));
  expect(fetched.headers.get('content-disposition')).toContain('letter.pdf');

  const content = await fetch(`${s.baseUrl}/v1/documents/${doc.id}/content`, { headers: auth(t) });
  expect(content.status).toBe(200);
  expect(content.headers.get('etag')).toBe(`"${sha256(v1)}"`);
  expect(sha256(await bytesOf(content))).toBe(sha256(v1));

  const v2 = Buffer.concat([pdfBytes('live store v2'), randomBytes(9 * MiB)]);
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(v2)], { type: 'application/pdf' }), 'v2.pdf');
  const added = await fetch(`${s.baseUrl}/v1/documents/${doc.id}/versions`, { method: 'POST', headers: auth(t), body: form });
  expect(added.status).toBe(201);
  expect(await added.json()).toMatchObject({ id: doc.id, version: 2, sha256: sha256(v2), size: v2.length });

  const cur = await fetch(`${s.baseUrl}/v1/documents/${doc.id}/content`, { headers: auth(t) });
  expect(sha256(await bytesOf(cur))).toBe(sha256(v2));
  const old = await fetch(`${s.baseUrl}/v1/documents/${doc.id}/content?version=1`, { headers: auth(t) });
  expect(sha256(await bytesOf(old))).toBe(sha256(v1));
  const [row2] = await s.sql`select blob_store, blob_version_id from document_versions where document_id = ${doc.id} and version = 2`;
  const link2 = await (await fetch(`${s.baseUrl}/v1/documents/${doc.id}/download-url`, { method: 'POST', headers: auth(t) })).json();
  expect(link2.version).toBe(2);
  expectUrl(link2.url, row2 as { blob_version_id: string | null });
  expect(sha256(await bytesOf(await fetch(link2.url)))).toBe(sha256(v2));
  return doc.id;
}

describe.skipIf(!run)('live store = S3 (SeaweedFS, versioned bucket)', () => {
  let s: TestServer;
  let bucket: string;
  beforeAll(async () => {
    bucket = await newBucket(servers.sw, 'live');
    s = await startTestServer({ QUILL_BLOB_STORE: 's3', ...s3Env(servers.sw, bucket) });
  });
  afterAll(() => s?.close());

  it('upload → metadata → download-url → content → new version, each version pinned by its S3 VersionId', async () => {
    const id = await wholeFlow(s, (url, row) => {
      expect(row.blob_version_id).toMatch(/\S/);
      const u = new URL(url);
      expect(`${u.protocol}//${u.host}`).toBe(servers.sw.endpoint);
      expect(u.pathname).toContain(`/${bucket}/documents/`);
      expect(u.searchParams.get('versionId')).toBe(row.blob_version_id);
      expect(u.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    });
    const rows = await s.sql`select blob_store, blob_version_id from document_versions where document_id = ${id} order by version`;
    expect(rows.map((r) => r.blob_store)).toEqual(['s3', 's3']);
    expect(new Set(rows.map((r) => r.blob_version_id)).size).toBe(2);
  });

  it('/readyz carries the doctor findings as the blob layer detail (cached), for an admin only', async () => {
    const admin = auth(await s.token('ops', ['admin']));
    const first = await (await fetch(`${s.baseUrl}/readyz`, { headers: admin })).json();
    expect(first.status).toBe('ready');
    const blob = first.layers.find((l: { layer: string }) => l.layer === 'blob');
    expect(blob).toMatchObject({ status: 'ok', detail: { store: 's3', doctor: { ok: true } } });
    const names = blob.detail.doctor.checks.map((c: { name: string }) => c.name);
    expect(names).toEqual(expect.arrayContaining(['s3.bucket', 's3.versioning', 's3.encryption', 's3.cors', 's3.lifecycle']));
    const again = await (await fetch(`${s.baseUrl}/readyz`, { headers: admin })).json();
    expect(again.layers.find((l: { layer: string }) => l.layer === 'blob').detail.doctor.checkedAt).toBe(blob.detail.doctor.checkedAt);
    const anonymous = await (await fetch(`${s.baseUrl}/readyz`)).json();
    expect(anonymous.layers.find((l: { layer: string }) => l.layer === 'blob')).toEqual({ layer: 'blob', status: 'ok', required: true });
  });

  it('refuses to start on an unversioned bucket unless QUILL_ALLOW_UNVERSIONED=true', async () => {
    const bare = await newBucket(servers.sw, 'bare', { bare: true });
    const env = { QUILL_BLOB_STORE: 's3', ...s3Env(servers.sw, bare) };
    const refused = await startTestServer(env).then(
      async (srv) => {
        await srv.close();
        return null;
      },
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toContain(`refusing to use the s3 live store`);
    expect((refused as Error).message).toContain(`put-bucket-versioning --bucket ${bare} --versioning-configuration Status=Enabled`);
    expect((refused as Error).message).toContain('QUILL_ALLOW_UNVERSIONED');

    const allowed = await startTestServer({ ...env, QUILL_ALLOW_UNVERSIONED: 'true' });
    try {
      const t = await allowed.token('dr.dev', ['clinician']);
      const res = await uploadMultipart(allowed.baseUrl, t, pdfBytes('unversioned dev'));
      expect(res.status).toBe(201);
      const ready = await (await fetch(`${allowed.baseUrl}/readyz`, { headers: auth(await allowed.token('ops', ['admin'])) })).json();
      const blob = ready.layers.find((l: { layer: string }) => l.layer === 'blob');
      expect(blob.status).toBe('ok');
      expect(blob.detail.doctor.ok).toBe(false);
      expect(blob.detail.doctor.checks.find((c: { name: string }) => c.name === 's3.versioning').ok).toBe(false);
    } finally {
      await allowed.close();
    }
  });

  it('refuses to start with the CLI too: exit 78 and the fix on stderr', async () => {
    const bare = await newBucket(servers.sw, 'bare-cli', { bare: true });
    const db = await createTestDatabase();
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'quill-refuse-'));
    try {
      const r = await runCli(['start'], { DATABASE_URL: db.url, QUILL_DATA_DIR: dataDir, PORT: '0', QUILL_BLOB_STORE: 's3', ...s3Env(servers.sw, bare) });
      expect(r.code).toBe(78);
      expect(r.stderr).toContain('put-bucket-versioning');
    } finally {
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!run)('live store = S3, and the store goes away', () => {
  it('answers 503 problem+json with Retry-After, writes nothing to PostgreSQL, and /readyz says blob is down', async () => {
    const own = await startSeaweed(); // its own server, so stopping it touches no other test
    const restore = useAwsCredentials(own);
    const bucket = await newBucket(own, 'down');
    const s = await startTestServer({ QUILL_BLOB_STORE: 's3', ...s3Env(own, bucket) });
    let stopped = false;
    try {
      const t = await s.token('dr.down', ['clinician']);
      expect((await uploadMultipart(s.baseUrl, t, pdfBytes('before'))).status).toBe(201);
      const count = async () => {
        const [r] = await s.sql`select (select count(*)::int from documents) as docs, (select count(*)::int from document_versions) as versions`;
        return r as { docs: number; versions: number };
      };
      const before = await count();

      await own.stop();
      stopped = true;
      for (const bytes of [pdfBytes('while down'), Buffer.concat([pdfBytes('large while down'), randomBytes(10 * MiB)])]) {
        const res = await uploadMultipart(s.baseUrl, t, bytes);
        expect(res.status).toBe(503);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await res.json()).toMatchObject({ status: 503, code: 'storage_unavailable', layer: 'blob' });
      }
      expect(await count()).toEqual(before);
      const intents = await s.sql`select state, count(*)::int as n from upload_intents group by state order by state`;
      expect(intents.map((r) => [r.state, r.n])).toEqual([
        ['aborted', 2],
        ['committed', 1],
      ]);
      const ready = await fetch(`${s.baseUrl}/readyz`, { headers: auth(await s.token('ops', ['admin'])) });
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toBe('5');
      const body = await ready.json();
      expect(body.status).toBe('unavailable');
      const blob = body.layers.find((l: { layer: string }) => l.layer === 'blob');
      expect(blob.status).toBe('down');
      expect(blob.detail).toContain(bucket);
      expect(body.layers.find((l: { layer: string }) => l.layer === 'database').status).toBe('ok');
    } finally {
      await s.close();
      if (!stopped) await own.stop();
      restore();
    }
  }, 120_000);
});

describe.skipIf(!run)('live store = Azure (Azurite; no versioning, so QUILL_ALLOW_UNVERSIONED=true)', () => {
  let s: TestServer;
  let container: string;
  beforeAll(async () => {
    container = await newContainer(servers.az, 'live');
    s = await startTestServer({ QUILL_BLOB_STORE: 'azure', ...azureEnv(servers.az, container), QUILL_ALLOW_UNVERSIONED: 'true' });
  });
  afterAll(() => s?.close());

  it('upload → metadata → download-url → content → new version, served by SAS URLs from Azurite', async () => {
    const id = await wholeFlow(s, (url, row) => {
      expect(row.blob_version_id).toBeNull(); // Azurite has no versioning: keys are written once (If-None-Match)
      expect(url.startsWith(`${servers.az.blobEndpoint}/${container}/documents/`)).toBe(true);
      const u = new URL(url);
      expect(u.searchParams.get('sig')).toBeTruthy();
      expect(u.searchParams.get('sp')).toBe('r');
    });
    const rows = await s.sql`select blob_store from document_versions where document_id = ${id}`;
    expect(rows.map((r) => r.blob_store)).toEqual(['azure', 'azure']);
  });

  it('png bytes come back byte for byte through the service', async () => {
    const t = await s.token('dr.png', ['clinician']);
    const doc = await (await uploadMultipart(s.baseUrl, t, pngBytes(), { contentType: 'image/png', filename: 'scan.png' })).json();
    const res = await fetch(`${s.baseUrl}/v1/documents/${doc.id}/content`, { headers: auth(t) });
    expect(res.headers.get('content-type')).toBe('image/png');
    expect((await bytesOf(res)).equals(pngBytes())).toBe(true);
  });

  it('without QUILL_ALLOW_UNVERSIONED the service refuses Azurite, naming the fix', async () => {
    const e = await startTestServer({ QUILL_BLOB_STORE: 'azure', ...azureEnv(servers.az, container) }).then(
      async (srv) => {
        await srv.close();
        return null;
      },
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toContain('--enable-versioning true');
  });
});

describe.skipIf(!run)('quill-docstore doctor', () => {
  let db: { url: string; drop(): Promise<void> };
  let dataDir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    await migrate(sql);
    await sql.end();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'quill-doctor-'));
  });
  afterAll(async () => {
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const env = (extra: Record<string, string>) => ({ DATABASE_URL: db.url, QUILL_DATA_DIR: dataDir, ...extra });

  it('exit 0 and every check ok against a versioned, encrypted bucket', async () => {
    const bucket = await newBucket(servers.sw, 'good');
    const r = await runCli(['doctor'], env({ QUILL_BLOB_STORE: 's3', ...s3Env(servers.sw, bucket) }));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const name of ['database.connect', 'database.migrations', 'backup.pitr', 'blob.replication', 's3.bucket', 's3.versioning', 's3.encryption', 's3.cors', 's3.lifecycle']) {
      expect(r.stdout).toMatch(new RegExp(`^  ok +${name.replace('.', '\\.')} `, 'm'));
    }
    // and, scanning being off here, the malware scanner's warning (a passing check an operator must read)
    expect(r.stdout).toMatch(/^ {2}WARN +scanner +malware scanning is off \(QUILL_CLAMD_URL is not set\)/m);
    expect(r.stdout).toContain('all 10 checks passed');
    expect(r.stdout).not.toContain('FAIL');
  });

  it('exit 1 with FAIL lines and fix commands for an unversioned, unencrypted bucket', async () => {
    const bare = await newBucket(servers.sw, 'bare-doc', { bare: true });
    const r = await runCli(['doctor'], env({ QUILL_BLOB_STORE: 's3', ...s3Env(servers.sw, bare) }));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}FAIL +s3\.versioning +versioning is/m);
    expect(r.stdout).toContain(`fix: aws s3api --endpoint-url ${servers.sw.endpoint} put-bucket-versioning --bucket ${bare} --versioning-configuration Status=Enabled`);
    expect(r.stdout).toMatch(/^ {2}FAIL +s3\.encryption /m);
    expect(r.stdout).toContain('put-bucket-encryption');
    expect(r.stdout).toMatch(/^ {2}ok +database\.migrations /m);
    expect(r.stdout).toContain('2 of 10 checks failed');

    const json = await runCli(['doctor', '--json'], env({ QUILL_BLOB_STORE: 's3', ...s3Env(servers.sw, bare) }));
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c: { ok: boolean }) => !c.ok).map((c: { name: string }) => c.name)).toEqual(['s3.versioning', 's3.encryption']);
  });

  it('BROWSER_DOWNLOADS=true makes a missing CORS rule a failure', async () => {
    const bucket = await newBucket(servers.sw, 'cors');
    const r = await runCli(['doctor', '--json'], env({ QUILL_BLOB_STORE: 's3', ...s3Env(servers.sw, bucket), QUILL_BROWSER_DOWNLOADS: 'true' }));
    expect(r.code).toBe(1);
    const cors = JSON.parse(r.stdout).checks.find((c: { name: string }) => c.name === 's3.cors');
    expect(cors).toMatchObject({ ok: false });
    expect(cors.fix).toContain('put-bucket-cors');
  });

  it('reports an unreachable store and pending migrations, and checks Azure and another store with --store', async () => {
    const empty = await createTestDatabase();
    try {
      const r = await runCli(['doctor'], { DATABASE_URL: empty.url, QUILL_DATA_DIR: dataDir, QUILL_BLOB_STORE: 's3', QUILL_S3_BUCKET: 'nowhere', QUILL_S3_ENDPOINT: 'http://127.0.0.1:9' });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/FAIL +database\.migrations +0 of \d+ migrations applied/);
      expect(r.stdout).toContain('fix: quill-docstore migrate');
      expect(r.stdout).toMatch(/FAIL +s3\.bucket +bucket nowhere is not reachable/);
    } finally {
      await empty.drop();
    }
    const container = await newContainer(servers.az, 'doc');
    const a = await runCli(['doctor', '--store', 'azure', '--json'], env({ ...azureEnv(servers.az, container) }));
    expect(a.code).toBe(1); // Azurite: no versioning
    const checks = JSON.parse(a.stdout).checks;
    expect(checks.find((c: { name: string }) => c.name === 'azure.container').ok).toBe(true);
    expect(checks.find((c: { name: string }) => c.name === 'azure.versioning')).toMatchObject({ ok: false });
    expect(checks.find((c: { name: string }) => c.name === 'azure.versioning').fix).toContain('--enable-versioning true');
  });
});
