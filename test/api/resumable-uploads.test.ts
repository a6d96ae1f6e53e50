// tus resumable uploads (issue 13) driven by a real third-party tus client (tus-js-client): interrupted and resumed
// on fs, SeaweedFS (S3) and Azurite, resumed after a restart and on another instance sharing PostgreSQL and the store,
// refused on a wrong SHA-256, a wrong Upload-Checksum and a wrong type, expired and cleaned up by reconcile.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { reconcile } from '../../src/jobs/reconcile.ts';
import { createTestDatabase } from '../support/database.ts';
import { DISCHARGE, OTHER_PATIENT, PATIENT, pdfBytes, pngBytes, sha256 } from '../support/fixtures.ts';
import { startAzurite, type AzuriteServer } from '../support/azurite.ts';
import { azureEnv, newBucket, newContainer, requireServers, s3Env, useAwsCredentials } from '../support/live-stores.ts';
import { startSeaweed, type SeaweedServer } from '../support/seaweedfs.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const MiB = 1024 * 1024;
const TUS = { 'tus-resumable': '1.0.0' };
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

/** A PDF of about `size` bytes (a real header, then random bytes so nothing compresses or dedupes). */
const bigPdf = (size: number) => Buffer.concat([pdfBytes('scan bundle'), randomBytes(size)]);

interface Outcome {
  ok: boolean;
  status: number | null;
  body: string;
  headers: Record<string, string | undefined>;
}

function metadataFor(bytes: Buffer, extra: Record<string, string> = {}): Record<string, string> {
  return { patient: PATIENT, type: DISCHARGE, title: 'Scanned notes', date: '2026-11-02', filename: 'notes.pdf', filetype: 'application/pdf', sha256: sha256(bytes), ...extra };
}

/** One tus-js-client upload, resolved with how it ended and the upload URL. */
function tusUpload(
  baseUrl: string,
  token: string,
  bytes: Buffer,
  o: { metadata?: Record<string, string>; uploadUrl?: string; chunkSize?: number } = {},
): Promise<Outcome & { url: string | null; progress: number[] }> {
  return new Promise((resolve) => {
    const progress: number[] = [];
    const upload = new tus.Upload(bytes, {
      endpoint: `${baseUrl}/v1/uploads`,
      uploadUrl: o.uploadUrl ?? null,
      headers: auth(token),
      metadata: o.metadata ?? metadataFor(bytes),
      chunkSize: o.chunkSize ?? Number.POSITIVE_INFINITY,
      retryDelays: null,
      onProgress: (sent) => progress.push(sent),
      onError: (err) => {
        const res = (err as tus.DetailedError).originalResponse;
        resolve({ ok: false, status: res?.getStatus() ?? null, body: res?.getBody() ?? String(err), headers: { code: tryCode(res?.getBody()) }, url: upload.url, progress });
      },
      onSuccess: (payload) => {
        const r = (payload as { lastResponse?: tus.HttpResponse } | undefined)?.lastResponse;
        resolve({
          ok: true,
          status: r?.getStatus() ?? null,
          body: '',
          headers: { document: r?.getHeader('quill-document-id'), version: r?.getHeader('quill-document-version'), sha256: r?.getHeader('quill-sha256') },
          url: upload.url,
          progress,
        });
      },
    });
    upload.start();
  });
}

const tryCode = (body: string | undefined): string | undefined => {
  try {
    return JSON.parse(body ?? '').code;
  } catch {
    return undefined;
  }
};

async function head(url: string, token: string): Promise<Response> {
  return fetch(url, { method: 'HEAD', headers: { ...TUS, ...auth(token) } });
}

/** Waits until the interrupted request's bytes are recorded (the server finishes storing them after the client left). */
async function settledOffset(url: string, token: string): Promise<number> {
  let last = -1;
  let same = 0;
  await waitUntil(async () => {
    const off = Number((await head(url, token)).headers.get('upload-offset'));
    same = off === last && off > 0 ? same + 1 : 0;
    last = off;
    return same >= 2;
  }, { timeoutMs: 20_000, intervalMs: 200, what: 'the interrupted part to be recorded' });
  return last;
}

async function expectDocument(s: TestServer, token: string, documentId: string, bytes: Buffer, version = 1): Promise<void> {
  const meta = await (await fetch(`${s.baseUrl}/v1/documents/${documentId}`, { headers: auth(token) })).json();
  expect(meta).toMatchObject({ id: documentId, patient: PATIENT, currentVersion: version, sha256: sha256(bytes), size: bytes.length, contentType: 'application/pdf' });
  const content = await fetch(`${s.baseUrl}/v1/documents/${documentId}/content`, { headers: auth(token) });
  expect(content.status).toBe(200);
  expect(sha256(Buffer.from(await content.arrayBuffer()))).toBe(sha256(bytes));
  const audit = await s.sql`select action, outcome from audit_events where document_id = ${documentId} and action in ('document.create', 'document.version.create') and outcome = 'success'`;
  expect(audit.length).toBe(version);
  const fhir = await s.sql`select 1 from fhir_document_references where id = ${documentId} and version_id = ${version}`;
  expect(fhir.length).toBe(1);
}

async function uploadObjects(s: TestServer): Promise<string[]> {
  const out: string[] = [];
  for await (const o of s.service.blobs.live.list('uploads/')) out.push(o.key);
  return out;
}

/** A loopback proxy that cuts the connection (both ways, no goodbye) once `after` bytes went upstream: a dropped link. */
async function cuttingProxy(targetPort: number, after: number): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let sent = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d: Buffer) => {
      sent += d.length;
      if (sent > after) return cut();
      if (!upstream.write(d)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.pipe(client);
    client.on('error', cut).on('close', cut);
    upstream.on('error', cut).on('close', cut);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const so of sockets) so.destroy();
        server.close(() => r());
      }),
  };
}

/** Start, cut mid-way, resume with a fresh client that knows only the upload URL: the core resumable path. */
async function interruptAndResume(first: TestServer, secondOf: () => TestServer, bytes: Buffer, between?: () => Promise<void>): Promise<string> {
  const t1 = await first.token('dr.tus', ['clinician']);
  const cut = await interrupted(first, t1, bytes, Math.floor(bytes.length / 2));
  const kept = await settledOffset(cut.url!, t1);
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThan(bytes.length);
  await between?.();
  const second = secondOf();
  const t2 = await second.token('dr.tus', ['clinician']);
  const url = cut.url!.replace(first.baseUrl, second.baseUrl);
  const h = await head(url, t2);
  expect(h.status).toBe(200);
  expect(Number(h.headers.get('upload-offset'))).toBe(kept);
  const resumed = await tusUpload(second.baseUrl, t2, bytes, { uploadUrl: url });
  expect(resumed, resumed.body).toMatchObject({ ok: true });
  // the resumed client sent only what was missing
  expect(resumed.progress[0]!).toBeGreaterThanOrEqual(kept);
  expect(resumed.headers.sha256).toBe(sha256(bytes));
  await expectDocument(second, t2, resumed.headers.document!, bytes);
  expect(await uploadObjects(second)).toEqual([]);
  return resumed.headers.document!;
}

/** A tus-js-client upload through a link that drops after `after` bytes; returns the upload URL on the server itself. */
async function interrupted(s: TestServer, token: string, bytes: Buffer, after: number): Promise<{ url: string }> {
  const proxy = await cuttingProxy(Number(new URL(s.baseUrl).port), after);
  try {
    const r = await tusUpload(proxy.baseUrl, token, bytes);
    expect(r.ok).toBe(false);
    expect(r.status).toBeNull(); // a network failure, not an answer from the service
    expect(r.url).toMatch(/\/v1\/uploads\/[0-9a-f-]{36}$/);
    return { url: r.url!.replace(proxy.baseUrl, s.baseUrl) };
  } finally {
    await proxy.close();
  }
}

describe('tus resumable uploads on fs', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ QUILL_MAX_UPLOAD_BYTES: String(64 * MiB) });
  }, 60_000);
  afterAll(async () => s?.close());

  it('answers OPTIONS with version, extensions, size limit and checksum algorithms', async () => {
    const r = await fetch(`${s.baseUrl}/v1/uploads`, { method: 'OPTIONS' });
    expect(r.status).toBe(204);
    expect(r.headers.get('tus-version')).toBe('1.0.0');
    expect(r.headers.get('tus-extension')!.split(',')).toEqual(expect.arrayContaining(['creation', 'termination', 'checksum', 'expiration']));
    expect(r.headers.get('tus-max-size')).toBe(String(64 * MiB));
    expect(r.headers.get('tus-checksum-algorithm')).toContain('sha256');
  });

  it('an interrupted upload resumes and commits one document with the right hash; the parts are removed', async () => {
    await interruptAndResume(s, () => s, bigPdf(12 * MiB));
  }, 60_000);

  it('adds a version to an existing document with Upload-Metadata document', async () => {
    const t = await s.token('dr.tus', ['clinician']);
    const v1 = pdfBytes('v1');
    const first = await tusUpload(s.baseUrl, t, v1);
    expect(first.ok).toBe(true);
    const v2 = bigPdf(MiB);
    const second = await tusUpload(s.baseUrl, t, v2, { metadata: { document: first.headers.document!, filename: 'v2.pdf', filetype: 'application/pdf', sha256: sha256(v2) }, chunkSize: 256 * 1024 });
    expect(second).toMatchObject({ ok: true, headers: { document: first.headers.document, version: '2' } });
    await expectDocument(s, t, first.headers.document!, v2, 2);
  });

  it('refuses a wrong SHA-256 at the end: no document, upload failed, parts removed, refusal audited', async () => {
    const t = await s.token('dr.tus', ['clinician']);
    const bytes = bigPdf(2 * MiB);
    const r = await tusUpload(s.baseUrl, t, bytes, { metadata: metadataFor(bytes, { sha256: sha256('something else') }) });
    expect(r).toMatchObject({ ok: false, status: 400, headers: { code: 'digest_mismatch' } });
    const id = r.url!.split('/').pop()!;
    const [row] = await s.sql`select state, error_code, document_id from resumable_uploads where id = ${id}`;
    expect(row).toMatchObject({ state: 'failed', error_code: 'digest_mismatch', document_id: null });
    expect(await uploadObjects(s)).toEqual([]);
    expect((await s.sql`select 1 from audit_events where action = 'document.create' and outcome = 'failed' and error_code = 'digest_mismatch'`).length).toBeGreaterThan(0);
    expect((await head(r.url!, t)).status).toBe(410);
  });

  it('refuses a PATCH whose Upload-Checksum does not match (460) and keeps nothing of it; a right one is accepted', async () => {
    const t = await s.token('dr.tus', ['clinician']);
    const bytes = pdfBytes('checksummed');
    const created = await fetch(`${s.baseUrl}/v1/uploads`, {
      method: 'POST',
      headers: { ...TUS, ...auth(t), 'upload-length': String(bytes.length), 'upload-metadata': `patient ${b64(PATIENT)},type ${b64(DISCHARGE)},title ${b64('Checked')}` },
    });
    expect(created.status).toBe(201);
    const url = new URL(created.headers.get('location')!, s.baseUrl).toString();
    const patch = (digest: string) =>
      fetch(url, { method: 'PATCH', headers: { ...TUS, ...auth(t), 'content-type': 'application/offset+octet-stream', 'upload-offset': '0', 'upload-checksum': `sha256 ${digest}` }, body: new Uint8Array(bytes) });
    const bad = await patch(Buffer.from(sha256('nope'), 'hex').toString('base64'));
    expect(bad.status).toBe(460);
    expect((await bad.json()).code).toBe('checksum_mismatch');
    expect((await head(url, t)).headers.get('upload-offset')).toBe('0');
    expect(await uploadObjects(s)).toEqual([]);
    const good = await patch(Buffer.from(sha256(bytes), 'hex').toString('base64'));
    expect(good.status).toBe(204);
    expect(good.headers.get('upload-offset')).toBe(String(bytes.length));
    expect(good.headers.get('quill-sha256')).toBe(sha256(bytes));
  });

  it('refuses the wrong type on the first bytes, before the rest is sent', async () => {
    const t = await s.token('dr.tus', ['clinician']);
    const png = Buffer.concat([pngBytes(), randomBytes(MiB)]);
    const r = await tusUpload(s.baseUrl, t, png, { metadata: metadataFor(png), chunkSize: 64 * 1024 });
    expect(r).toMatchObject({ ok: false, status: 415, headers: { code: 'content_type_mismatch' } });
    // refused on the first chunk: nothing near the whole file was sent
    expect(Math.max(0, ...r.progress)).toBeLessThanOrEqual(128 * 1024);
    const bin = Buffer.concat([Buffer.from([0x4d, 0x5a, 0x90, 0x00]), randomBytes(8192)]);
    const exe = await tusUpload(s.baseUrl, t, bin, { metadata: metadataFor(bin, { filetype: 'application/octet-stream' }) });
    expect(exe).toMatchObject({ ok: false, status: 415, headers: { code: 'unsupported_media_type' } });
  });

  it('applies size limit, scope, permissions and ownership on every request, and audits the refusals', async () => {
    const t = await s.token('dr.tus', ['clinician']);
    const huge = await fetch(`${s.baseUrl}/v1/uploads`, { method: 'POST', headers: { ...TUS, ...auth(t), 'upload-length': String(64 * MiB + 1), 'upload-metadata': `patient ${b64(PATIENT)},type ${b64(DISCHARGE)},title ${b64('x')}` } });
    expect(huge.status).toBe(413);
    const noTus = await fetch(`${s.baseUrl}/v1/uploads`, { method: 'POST', headers: { ...auth(t), 'upload-length': '10' } });
    expect(noTus.status).toBe(412);
    const scoped = await s.token('dr.scoped', ['clinician'], [PATIENT]);
    const bytes = pdfBytes('other patient');
    const other = await tusUpload(s.baseUrl, scoped, bytes, { metadata: metadataFor(bytes, { patient: OTHER_PATIENT }) });
    expect(other).toMatchObject({ ok: false, status: 403, headers: { code: 'patient_forbidden' } });
    const auditor = await s.token('aud', ['auditor']);
    expect((await tusUpload(s.baseUrl, auditor, bytes)).status).toBe(403);
    const badNhs = await tusUpload(s.baseUrl, t, bytes, { metadata: metadataFor(bytes, { patient: '1234567890' }) });
    expect(badNhs).toMatchObject({ status: 400, headers: { code: 'invalid_nhs_number' } });
    const longTitle = await tusUpload(s.baseUrl, t, bytes, { metadata: metadataFor(bytes, { title: 'x'.repeat(501) }) });
    expect(longTitle).toMatchObject({ status: 400, headers: { code: 'validation_failed' } });

    // started by one user: another cannot see or continue it, nor can the same user once scoped away from the patient
    const big = bigPdf(4 * MiB);
    const cut = await interrupted(s, t, big, MiB);
    await settledOffset(cut.url!, t);
    const someoneElse = await s.token('dr.other', ['clinician']);
    expect((await head(cut.url!, someoneElse)).status).toBe(403);
    const offset = (await head(cut.url!, t)).headers.get('upload-offset')!;
    const theirs = await fetch(cut.url!, { method: 'PATCH', headers: { ...TUS, ...auth(someoneElse), 'content-type': 'application/offset+octet-stream', 'upload-offset': offset }, body: new Uint8Array(big.subarray(Number(offset))) });
    expect(theirs.status).toBe(403);
    const rescoped = await s.token('dr.tus', ['clinician'], [OTHER_PATIENT]);
    expect((await head(cut.url!, rescoped)).status).toBe(403);
    expect((await fetch(cut.url!, { method: 'HEAD', headers: TUS })).status).toBe(401);
    const denied = await s.sql`select action, error_code from audit_events where outcome = 'denied' and action like 'upload.%'`;
    expect(denied.map((r) => `${r.action}:${r.error_code}`)).toEqual(expect.arrayContaining(['upload.create:patient_forbidden', 'upload.create:forbidden', 'upload.status:forbidden', 'upload.append:forbidden']));

    // termination removes the parts and ends the upload
    const del = await fetch(cut.url!, { method: 'DELETE', headers: { ...TUS, ...auth(t) } });
    expect(del.status).toBe(204);
    expect((await head(cut.url!, t)).status).toBe(410);
    expect((await uploadObjects(s)).filter((k) => k.includes(cut.url!.split('/').pop()!))).toEqual([]);
  }, 60_000);
});

describe('tus: restart, another instance, expiry (fs store shared by two services on one database)', () => {
  let db: { url: string; drop(): Promise<void> };
  let dir: string;
  let env: Record<string, string>;
  const open: TestServer[] = [];
  const start = async (extra: Record<string, string> = {}) => {
    const s = await startTestServer({ ...env, ...extra }, { databaseUrl: db.url });
    open.push(s);
    // tokens signed with the secret both instances share (the helper's own is per instance)
    s.token = (sub, roles, patients) => mintDevToken(Buffer.from(env.QUILL_JWT_SECRET!, 'utf8'), s.cfg.jwt, { sub, roles, patients });
    return s;
  };
  const stop = async (s: TestServer) => {
    open.splice(open.indexOf(s), 1);
    await s.close();
  };
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(path.join(os.tmpdir(), 'quill-tus-'));
    // instances sharing an fs store share its URL signing key and, since encryption at rest (issue 10), its KEK
    env = { QUILL_FS_DIR: dir, QUILL_JWT_SECRET: randomBytes(32).toString('base64url'), QUILL_URL_SIGNING_KEY: randomBytes(32).toString('base64url'), QUILL_FS_KEK: randomBytes(32).toString('base64') };
  });
  afterAll(async () => {
    for (const s of open.splice(0)) await s.close().catch(() => undefined);
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('resumes after the service restarts', async () => {
    const a = await start();
    let b: TestServer | null = null;
    await interruptAndResume(a, () => b!, bigPdf(6 * MiB), async () => {
      await stop(a);
      b = await start();
    });
    await stop(b!);
  }, 90_000);

  it('resumes on another instance sharing PostgreSQL and the store', async () => {
    const [a, b] = [await start(), await start()];
    await interruptAndResume(a, () => b, bigPdf(6 * MiB));
    await stop(a);
    await stop(b);
  }, 90_000);

  it('expires an abandoned upload; reconcile removes its parts and the upload answers 410', async () => {
    const s = await start({ QUILL_UPLOAD_EXPIRY_HOURS: '0.0005' }); // 1.8 s
    // the service expires uploads in the background too (test/api/security.test.ts): held off here by its lock, as
    // while another instance holds it, so that this test sees what reconcile does
    const expiry = await s.sql.reserve();
    await expiry`select pg_advisory_lock(hashtext('quill-docstore:expire-uploads'))`;
    const t = await s.token('dr.tus', ['clinician']);
    const cut = await interrupted(s, t, bigPdf(4 * MiB), MiB);
    await settledOffset(cut.url!, t);
    const id = cut.url!.split('/').pop()!;
    expect((await uploadObjects(s)).some((k) => k.startsWith(`uploads/${id}/`))).toBe(true);
    // a reconcile before expiry keeps the parts, even with no grace period
    const early = await reconcile(s.service.db.sql, s.service.blobs.live, s.service.app.log as never, { graceSeconds: 0, checkMissing: false });
    expect(early.expiredUploads).toBe(0);
    expect((await uploadObjects(s)).some((k) => k.startsWith(`uploads/${id}/`))).toBe(true);
    await waitUntil(async () => (await head(cut.url!, t)).status === 410, { timeoutMs: 15_000, intervalMs: 300, what: 'the upload to expire' });
    const report = await reconcile(s.service.db.sql, s.service.blobs.live, s.service.app.log as never, { graceSeconds: 86400, checkMissing: false });
    expect(report.expiredUploads).toBe(1);
    expect((await uploadObjects(s)).filter((k) => k.startsWith(`uploads/${id}/`))).toEqual([]);
    expect(await readdir(path.join(dir, 'uploads', id)).catch(() => [])).toEqual([]);
    const [row] = await s.sql`select state from resumable_uploads where id = ${id}`;
    expect(row!.state).toBe('expired');
    await expiry`select pg_advisory_unlock(hashtext('quill-docstore:expire-uploads'))`;
    expiry.release();
    await stop(s);
  }, 60_000);
});

const run = requireServers('tus resumable uploads on SeaweedFS and Azurite');
if (run) {
  describe('tus resumable uploads on SeaweedFS (S3)', () => {
    let sw: SeaweedServer;
    let s: TestServer;
    let restore: () => void = () => undefined;
    beforeAll(async () => {
      sw = await startSeaweed();
      restore = useAwsCredentials(sw);
      const bucket = await newBucket(sw, 'tus');
      s = await startTestServer({ QUILL_BLOB_STORE: 's3', ...s3Env(sw, bucket) });
    }, 120_000);
    afterAll(async () => {
      await s?.close();
      restore();
      await sw?.stop();
    }, 60_000);

    it('an interrupted upload resumes and commits with the right hash; parts are removed from the bucket', async () => {
      await interruptAndResume(s, () => s, bigPdf(12 * MiB));
    }, 90_000);
  });

  describe('tus resumable uploads on Azure (Azurite)', () => {
    let az: AzuriteServer;
    let s: TestServer;
    beforeAll(async () => {
      az = await startAzurite();
      s = await startTestServer({ QUILL_BLOB_STORE: 'azure', QUILL_ALLOW_UNVERSIONED: 'true', ...azureEnv(az, await newContainer(az, 'tus')) });
    }, 120_000);
    afterAll(async () => {
      await s?.close();
      await az?.stop();
    }, 60_000);

    it('an interrupted upload resumes and commits with the right hash; parts are removed from the container', async () => {
      await interruptAndResume(s, () => s, bigPdf(12 * MiB));
    }, 90_000);
  });
}

async function waitUntil(probe: () => Promise<boolean>, o: { timeoutMs: number; intervalMs: number; what: string }): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${o.what}`);
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
