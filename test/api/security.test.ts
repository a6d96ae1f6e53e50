// The second security review (issue 25): what an authenticated user (or the holder of a download link) could still do
// that they should not, each shown against a real service on a real PostgreSQL and filesystem store.
import { readdir, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCHARGE, PATIENT, pdfBytes, uploadMultipart, uploadRaw } from '../support/fixtures.ts';
import { expectProblem } from '../support/problem.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const TUS = { 'tus-resumable': '1.0.0' };
const b64 = (v: string) => Buffer.from(v, 'utf8').toString('base64');
const json = { 'content-type': 'application/json' };

let s: TestServer;
let clinician: string;
let manager: string;

const MAX_OPEN_UPLOADS = 3;
const MAX_OPEN_DOWNLOADS = 3;

beforeAll(async () => {
  s = await startTestServer({ QUILL_MAX_OPEN_UPLOADS: String(MAX_OPEN_UPLOADS), QUILL_MAX_OPEN_DOWNLOADS: String(MAX_OPEN_DOWNLOADS), QUILL_MAX_OPEN_DOWNLOADS_PER_URL: '1' });
  clinician = await s.token('dr.sec', ['clinician']);
  manager = await s.token('rm.sec', ['records-manager']);
}, 60_000);
afterAll(async () => s?.close());

async function upload(token: string, note: string): Promise<string> {
  const res = await uploadRaw(s.baseUrl, token, pdfBytes(note));
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function downloadUrl(token: string, id: string): Promise<string> {
  const res = await fetch(`${s.baseUrl}/v1/documents/${id}/download-url`, { method: 'POST', headers: auth(token) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { url: string }).url;
}

async function enterInError(id: string): Promise<void> {
  const res = await fetch(`${s.baseUrl}/v1/documents/${id}`, { method: 'DELETE', headers: { ...auth(manager), ...json }, body: JSON.stringify({ reason: 'filed against the wrong patient' }) });
  expect(res.status).toBe(200);
}

describe('finding 2: a signed URL obeys the read rules when it is fetched, not only when it is issued', () => {
  it('a clinician’s URL issued before the document was marked entered-in-error is refused (409), and the refusal audited', async () => {
    const id = await upload(clinician, 'marked after the link was made');
    const url = await downloadUrl(clinician, id);
    expect((await fetch(url)).status).toBe(200);
    await enterInError(id);
    await expectProblem(await fetch(url), 409, 'document_entered_in_error');
    const rows = await s.sql`select actor, outcome, error_code from audit_events where document_id = ${id} and action = 'document.blob-fetch' order by id`;
    expect(rows.map((r) => `${r.actor}:${r.outcome}:${r.error_code}`)).toEqual(['dr.sec:success:null', 'dr.sec:failed:document_entered_in_error']);
  });

  it('a reviewer’s URL carries the reviewer’s right: it serves an entered-in-error document, as /content does for them', async () => {
    const id = await upload(clinician, 'reviewed after marking');
    await enterInError(id);
    await expectProblem(await fetch(`${s.baseUrl}/v1/documents/${id}/download-url`, { method: 'POST', headers: auth(clinician) }), 409, 'document_entered_in_error');
    const url = await downloadUrl(manager, id);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).toString('latin1')).toContain('reviewed after marking');
    // the right is part of what is signed: a clinician's URL cannot be given it
    const clinicianUrl = new URL(url);
    clinicianUrl.searchParams.set('sub', 'dr.sec');
    await expectProblem(await fetch(clinicianUrl), 403, 'url_invalid');
  });

  it('a URL to a document under an approved disposal answers document_disposed, as every other read does', async () => {
    const id = await upload(clinician, 'to be disposed of');
    const url = await downloadUrl(clinician, id);
    // an approved disposal under way: the mark retention/disposal.ts sets before any byte is destroyed
    await s.sql`update documents set disposal_id = gen_random_uuid() where id = ${id}`;
    await expectProblem(await fetch(url), 410, 'document_disposed');
  });
});

describe('finding 6: the service chooses the audit request id; the client’s X-Request-Id is kept as detail', () => {
  it('two users sending the same X-Request-Id get two ids in the trail, each row keeping the client’s value', async () => {
    const id = await upload(clinician, 'request ids');
    const given = 'shared-request-id-25';
    const read = await fetch(`${s.baseUrl}/v1/documents/${id}`, { headers: { ...auth(clinician), 'x-request-id': given } });
    expect(read.status).toBe(200);
    const mark = await fetch(`${s.baseUrl}/v1/documents/${id}`, { method: 'DELETE', headers: { ...auth(manager), ...json, 'x-request-id': given }, body: JSON.stringify({ reason: 'duplicate of another letter' }) });
    expect(mark.status).toBe(200);
    const refused = await fetch(`${s.baseUrl}/v1/documents/${id}/content`, { headers: { ...auth(clinician), 'x-request-id': given } });
    const problem = (await refused.json()) as { requestId: string };
    const rows = await s.sql<{ actor: string; action: string; request_id: string; detail: { clientRequestId?: string } | null }[]>`
      select actor, action, request_id, detail from audit_events where document_id = ${id} and action in ('document.read', 'document.enter-in-error', 'document.content') order by id`;
    expect(rows.map((r) => `${r.actor}:${r.action}`)).toEqual(['dr.sec:document.read', 'rm.sec:document.enter-in-error', 'dr.sec:document.content']);
    expect(new Set(rows.map((r) => r.request_id)).size).toBe(3);
    for (const r of rows) {
      expect(r.request_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(r.detail?.clientRequestId).toBe(given);
    }
    // the problem names the service's id, the one in the trail
    expect(problem.requestId).toBe(rows[2]!.request_id);
  });
});

describe('finding 7: titles, descriptions, authors and reasons lose bidi and invisible controls, and refuse C0 controls but tab', () => {
  const RLO = '\u202e';
  const CSI = '\u009b'; // the one-character form of ESC [
  const got = async (res: Response) => {
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as { id: string; title: string; description: string | null; author: string | null };
  };

  it('cleans them on a raw upload, a multipart upload and a tus upload', async () => {
    const raw = await got(await uploadRaw(s.baseUrl, clinician, pdfBytes('raw'), { title: `Invoice ${RLO}fdp.exe`, fields: { description: `Seen\tin clinic${CSI}31m`, author: `Dr ${RLO}Evil` } }));
    expect(raw).toMatchObject({ title: 'Invoice fdp.exe', description: 'Seen\tin clinic31m', author: 'Dr Evil' });
    const multi = await got(await uploadMultipart(s.baseUrl, clinician, pdfBytes('multipart'), { title: `Letter\u2066 one\u2069\u200f`, fields: { author: `\u007fDr Who` } }));
    expect(multi).toMatchObject({ title: 'Letter one', author: 'Dr Who' });

    const bytes = pdfBytes('tus');
    const created = await fetch(`${s.baseUrl}/v1/uploads`, {
      method: 'POST',
      headers: { ...TUS, ...auth(clinician), 'upload-length': String(bytes.length), 'upload-metadata': `patient ${b64(PATIENT)},type ${b64(DISCHARGE)},title ${b64(`Scan ${RLO}gpj.exe`)},author ${b64(`${CSI}Dr Tus`)},filetype ${b64('application/pdf')}` },
    });
    expect(created.status).toBe(201);
    const patched = await fetch(new URL(created.headers.get('location')!, s.baseUrl), { method: 'PATCH', headers: { ...TUS, ...auth(clinician), 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' }, body: new Uint8Array(bytes) });
    expect(patched.status).toBe(204);
    const doc = await (await fetch(`${s.baseUrl}/v1/documents/${patched.headers.get('quill-document-id')}`, { headers: auth(clinician) })).json();
    expect(doc).toMatchObject({ title: 'Scan gpj.exe', author: 'Dr Tus' });
    // and so does the FHIR index built from them
    const fhir = await (await fetch(`${s.baseUrl}/fhir/DocumentReference/${raw.id}`, { headers: auth(clinician) })).json();
    expect(JSON.stringify(fhir)).not.toMatch(/[\u202a-\u202e\u0080-\u009f]/);
  });

  it('refuses newlines, escapes and other C0 controls, whichever way the field arrives, before anything is stored', async () => {
    const before = await s.sql`select count(*)::int as n from documents`;
    for (const [field, value] of [['title', 'Line one\nLine two'], ['description', 'a\rb'], ['author', '\u001b[31mDr Red']] as const) {
      const r = await uploadRaw(s.baseUrl, clinician, pdfBytes('refused'), { fields: { [field]: value } });
      expect((await expectProblem(r, 400, 'validation_failed')).field).toBe(field);
      const m = await uploadMultipart(s.baseUrl, clinician, pdfBytes('refused'), { fields: { [field]: value } });
      expect((await expectProblem(m, 400, 'validation_failed')).field).toBe(field);
      const meta = Object.entries({ patient: PATIENT, type: DISCHARGE, title: 'ok', [field]: value }).map(([k, v]) => `${k} ${b64(v)}`).join(',');
      const t = await fetch(`${s.baseUrl}/v1/uploads`, { method: 'POST', headers: { ...TUS, ...auth(clinician), 'upload-length': '100', 'upload-metadata': meta } });
      expect((await expectProblem(t, 400, 'validation_failed')).field).toBe(field);
    }
    expect(await s.sql`select count(*)::int as n from documents`).toEqual(before);
  });

  it('cleans and refuses the same way in reasons: entered-in-error, legal holds, disposal notes', async () => {
    const id = await upload(clinician, 'reasons');
    const hold = (reason: string) =>
      fetch(`${s.baseUrl}/v1/retention/holds`, { method: 'POST', headers: { ...auth(manager), ...json }, body: JSON.stringify({ scope: 'document', document: id, reason }) });
    await expectProblem(await hold('litigation\nsecond line'), 400, 'validation_failed');
    const held = await hold(`litigation ${RLO}ecnetnes`);
    expect(held.status).toBe(201);
    expect(((await held.json()) as { reason: string }).reason).toBe('litigation ecnetnes');
    const mark = (reason: string) => fetch(`${s.baseUrl}/v1/documents/${id}`, { method: 'DELETE', headers: { ...auth(manager), ...json }, body: JSON.stringify({ reason }) });
    await expectProblem(await mark('wrong\u0007patient'), 400, 'validation_failed');
    expect((await mark(`wrong ${RLO}patient`)).status).toBe(200);
    const [row] = await s.sql`select entered_in_error_reason from documents where id = ${id}`;
    expect(row!.entered_in_error_reason).toBe('wrong patient');
  });
});

/** A tus upload created with these bytes' metadata; returns its URL. */
async function createUpload(token: string, bytes: Buffer, extra: Record<string, string> = {}): Promise<Response> {
  const meta = Object.entries({ patient: PATIENT, type: DISCHARGE, title: 'Scanned notes', filetype: 'application/pdf', ...extra }).map(([k, v]) => `${k} ${b64(v)}`).join(',');
  return fetch(`${s.baseUrl}/v1/uploads`, { method: 'POST', headers: { ...TUS, ...auth(token), 'upload-length': String(bytes.length), 'upload-metadata': meta } });
}

function patchUpload(url: string, token: string, offset: number, body: Buffer): Promise<Response> {
  return fetch(url, { method: 'PATCH', headers: { ...TUS, ...auth(token), 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) }, body: new Uint8Array(body) });
}

/** A PDF of exactly `size` bytes. */
const pdfOfSize = (size: number) => Buffer.concat([pdfBytes('sized'), Buffer.alloc(size, 0x20)]).subarray(0, size);

describe('finding 5: every accepted tus PATCH is audited with its offset and size', () => {
  it('writes upload.append rows, in the same transaction as the part, before the commit', async () => {
    const bytes = pdfOfSize(700 * 1024);
    const created = await createUpload(clinician, bytes);
    expect(created.status).toBe(201);
    const url = new URL(created.headers.get('location')!, s.baseUrl).toString();
    const upload = url.split('/').pop()!;
    expect((await patchUpload(url, clinician, 0, bytes.subarray(0, 300 * 1024))).status).toBe(204);
    const last = await patchUpload(url, clinician, 300 * 1024, bytes.subarray(300 * 1024));
    expect(last.status).toBe(204);
    const rows = await s.sql<{ actor: string; outcome: string; patient_nhs: string; detail: { upload: string; offset: number; size: number } }[]>`
      select actor, outcome, patient_nhs, detail from audit_events where action = 'upload.append' and detail->>'upload' = ${upload} order by id`;
    expect(rows.map((r) => ({ actor: r.actor, outcome: r.outcome, patient: r.patient_nhs, ...r.detail }))).toEqual([
      { actor: 'dr.sec', outcome: 'success', patient: PATIENT, upload, offset: 0, size: 300 * 1024 },
      { actor: 'dr.sec', outcome: 'success', patient: PATIENT, upload, offset: 300 * 1024, size: 400 * 1024 },
    ]);
    // the commit's own row comes after the last append's
    const [create] = await s.sql`select id from audit_events where action = 'document.create' and document_id = ${last.headers.get('quill-document-id')}`;
    const [lastAppend] = await s.sql`select max(id) as id from audit_events where action = 'upload.append' and detail->>'upload' = ${upload}`;
    expect(BigInt(create!.id)).toBeGreaterThan(BigInt(lastAppend!.id));
  });
});

describe('finding 3: tus uploads are bounded per user, PATCHes have a minimum size, and abandoned uploads expire by themselves', () => {
  it('caps the uploads a user has open (QUILL_MAX_OPEN_UPLOADS), even when created at once; finishing or abandoning one frees a place', async () => {
    const t = await s.token('dr.many', ['clinician']);
    const bytes = pdfOfSize(1000);
    const answers = await Promise.all(Array.from({ length: 2 * MAX_OPEN_UPLOADS }, () => createUpload(t, bytes)));
    const created = answers.filter((r) => r.status === 201);
    expect(created).toHaveLength(MAX_OPEN_UPLOADS);
    for (const r of answers.filter((x) => x.status !== 201)) await expectProblem(r, 429, 'too_many_open_uploads');
    // another user is not held back by this one
    expect((await createUpload(await s.token('dr.few', ['clinician']), bytes)).status).toBe(201);
    // finishing one and abandoning another free two places
    const [first, second] = created.map((r) => new URL(r.headers.get('location')!, s.baseUrl).toString());
    expect((await patchUpload(first!, t, 0, bytes)).status).toBe(204);
    expect((await fetch(second!, { method: 'DELETE', headers: { ...TUS, ...auth(t) } })).status).toBe(204);
    expect((await createUpload(t, bytes)).status).toBe(201);
    expect((await createUpload(t, bytes)).status).toBe(201);
    await expectProblem(await createUpload(t, bytes), 429, 'too_many_open_uploads');
    const refused = await s.sql`select count(*)::int as n from audit_events where actor = 'dr.many' and action = 'upload.create' and error_code = 'too_many_open_uploads'`;
    expect(refused[0]!.n).toBe(MAX_OPEN_UPLOADS + 1);
  });

  it('advertises the minimum PATCH size and refuses a smaller PATCH that does not end the upload, keeping nothing of it', async () => {
    const options = await fetch(`${s.baseUrl}/v1/uploads`, { method: 'OPTIONS' });
    expect(options.headers.get('quill-min-patch-size')).toBe(String(256 * 1024));
    const t = await s.token('dr.small', ['clinician']);
    const bytes = pdfOfSize(600 * 1024);
    const created = await createUpload(t, bytes);
    expect(created.headers.get('quill-min-patch-size')).toBe(String(256 * 1024));
    const url = new URL(created.headers.get('location')!, s.baseUrl).toString();
    const upload = url.split('/').pop()!;
    const tiny = await expectProblem(await patchUpload(url, t, 0, bytes.subarray(0, 1)), 400, 'upload_patch_too_small');
    expect(tiny.minPatchSize).toBe(256 * 1024);
    await expectProblem(await patchUpload(url, t, 0, bytes.subarray(0, 256 * 1024 - 1)), 400, 'upload_patch_too_small');
    const head = await fetch(url, { method: 'HEAD', headers: { ...TUS, ...auth(t) } });
    expect(head.headers.get('upload-offset')).toBe('0');
    expect(head.headers.get('quill-min-patch-size')).toBe(String(256 * 1024));
    const parts: string[] = [];
    for await (const o of s.service.blobs.live.list(`uploads/${upload}/`)) parts.push(o.key);
    expect(parts).toEqual([]);
    // at least the minimum is taken; the last PATCH may be smaller
    expect((await patchUpload(url, t, 0, bytes.subarray(0, 500 * 1024))).status).toBe(204);
    const last = await patchUpload(url, t, 500 * 1024, bytes.subarray(500 * 1024));
    expect(last.status).toBe(204);
    expect(last.headers.get('quill-document-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('finding 3: abandoned uploads expire in the background (no reconcile)', () => {
  let e: TestServer;
  beforeAll(async () => {
    e = await startTestServer({ QUILL_UPLOAD_EXPIRY_HOURS: '0.0005' }); // 1.8 s
  }, 60_000);
  afterAll(async () => e?.close());

  it('marks the upload expired and removes its parts by itself, one instance at a time', async () => {
    const t = await e.token('dr.gone', ['clinician']);
    const bytes = pdfOfSize(600 * 1024);
    const meta = Object.entries({ patient: PATIENT, type: DISCHARGE, title: 'Abandoned', filetype: 'application/pdf' }).map(([k, v]) => `${k} ${b64(v)}`).join(',');
    const created = await fetch(`${e.baseUrl}/v1/uploads`, { method: 'POST', headers: { ...TUS, ...auth(t), 'upload-length': String(bytes.length), 'upload-metadata': meta } });
    const url = new URL(created.headers.get('location')!, e.baseUrl).toString();
    const id = url.split('/').pop()!;
    const patched = await fetch(url, { method: 'PATCH', headers: { ...TUS, ...auth(t), 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' }, body: new Uint8Array(bytes.subarray(0, 300 * 1024)) });
    expect(patched.status).toBe(204);
    const parts = async () => {
      const keys: string[] = [];
      for await (const o of e.service.blobs.live.list(`uploads/${id}/`)) keys.push(o.key);
      return keys;
    };
    // the PATCH's bytes are kept in the objects the upload's recorded state holds (the composed file and its tail), and only those
    const held = ((await e.sql`select compose from resumable_uploads where id = ${id}`)[0]!.compose as { holds: string[] }).holds.sort();
    expect(held.length).toBeGreaterThan(0);
    expect((await parts()).sort()).toEqual(held);
    // while another instance holds the expiry's lock, this one leaves the upload alone
    const other = await e.sql.reserve();
    await other`select pg_advisory_lock(hashtext('quill-docstore:expire-uploads'))`;
    await new Promise((r) => setTimeout(r, 4000)); // past the expiry (1.8 s) and several rounds (1 s)
    expect((await e.sql`select state from resumable_uploads where id = ${id}`)[0]!.state).toBe('receiving');
    expect((await parts()).sort()).toEqual(held);
    await other`select pg_advisory_unlock(hashtext('quill-docstore:expire-uploads'))`;
    other.release();
    const deadline = Date.now() + 20_000;
    // the round marks the upload expired, then removes its parts: wait for both
    let state = 'receiving';
    let left = await parts();
    while (Date.now() < deadline) {
      state = (await e.sql`select state from resumable_uploads where id = ${id}`)[0]!.state as string;
      left = await parts();
      if (state === 'expired' && left.length === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(state).toBe('expired');
    expect(left).toEqual([]);
  }, 30_000);
});

/** Large enough that the response cannot fit in the loopback connection's buffers: the server must wait for the reader. */
const BIG = 48 * 1024 * 1024;

/**
 * A download by a client that reads the first bytes, then stops reading (the socket paused) and keeps the connection
 * open. close() ends it; drain() reads on and resolves with how many bytes arrived in all, and whether the server ended
 * the connection before the whole answer was sent.
 */
async function stalledDownload(url: string, headers: Record<string, string> = {}): Promise<{ status: number; close(): void; drain(): Promise<{ received: number; complete: boolean }> }> {
  const u = new URL(url);
  const socket = net.connect(Number(u.port), u.hostname);
  await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
  const head = Object.entries({ host: u.host, ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\n${head}\r\n`);
  let received = 0;
  let text = '';
  let total = Infinity; // the whole answer: headers and body
  const ended = new Promise<void>((r) => socket.once('close', () => r()));
  socket.on('error', () => undefined);
  const status = await new Promise<number>((resolve) => {
    const onData = (d: Buffer) => {
      received += d.length;
      if (total === Infinity && text.length < 64 * 1024) text += d.toString('latin1'); // until the headers are in
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      const headEnd = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)\r\n/i.exec(text);
      if (headEnd > 0 && length && total === Infinity) total = headEnd + 4 + Number(length[1]);
      if (m && received > 64 * 1024) {
        socket.pause();
        socket.off('data', onData);
        resolve(Number(m[1]));
      } else if (m && m[1] !== '200') {
        socket.off('data', onData);
        resolve(Number(m[1]));
      }
    };
    socket.on('data', onData);
  });
  return {
    status,
    close: () => socket.destroy(),
    drain: async () => {
      const whole = new Promise<void>((r) => {
        socket.on('data', (d: Buffer) => {
          received += d.length;
          if (received >= total) r();
        });
      });
      socket.resume();
      await Promise.race([ended, whole, new Promise((r) => setTimeout(r, 15_000))]);
      socket.destroy();
      return { received, complete: received >= total };
    },
  };
}

describe('finding 4: stalled downloads', () => {
  let d: TestServer;
  let id: string;
  beforeAll(async () => {
    d = await startTestServer({ QUILL_SEND_TIMEOUT_MS: '1000' });
    const t = await d.token('dr.slow', ['clinician']);
    const res = await uploadRaw(d.baseUrl, t, pdfOfSize(BIG));
    expect(res.status).toBe(201);
    id = ((await res.json()) as { id: string }).id;
  }, 120_000);
  afterAll(async () => d?.close());

  /** A download that reads a little, then nothing for 3.5 s (the bound is 1 s): the rest never comes. */
  async function expectCutOff(url: string, headers: Record<string, string> = {}): Promise<void> {
    const dl = await stalledDownload(url, headers);
    expect(dl.status).toBe(200);
    await new Promise((r) => setTimeout(r, 3500));
    const { received, complete } = await dl.drain();
    expect(complete, `received ${received} of ${BIG}`).toBe(false);
  }

  it('a reader that stops reading /content is cut off after QUILL_SEND_TIMEOUT_MS of no progress', async () => {
    await expectCutOff(`${d.baseUrl}/v1/documents/${id}/content`, auth(await d.token('dr.slow', ['clinician'])));
  }, 30_000);

  it('so is one holding a signed URL, which needs no token', async () => {
    const t = await d.token('dr.slow', ['clinician']);
    const url = ((await (await fetch(`${d.baseUrl}/v1/documents/${id}/download-url`, { method: 'POST', headers: auth(t) })).json()) as { url: string }).url;
    await expectCutOff(url.replace(/^http:\/\/[^/]+/, d.baseUrl));
  }, 30_000);

  it('a reader that keeps reading, however slowly in total, gets every byte', async () => {
    const t = await d.token('dr.slow', ['clinician']);
    const dl = await stalledDownload(`${d.baseUrl}/v1/documents/${id}/content`, auth(t));
    await new Promise((r) => setTimeout(r, 500)); // a pause shorter than the bound
    expect((await dl.drain()).complete).toBe(true);
  }, 30_000);
});

describe('finding 4: concurrent downloads are capped per user and per signed URL', () => {
  it('refuses a user’s downloads beyond QUILL_MAX_OPEN_DOWNLOADS and a signed URL’s beyond QUILL_MAX_OPEN_DOWNLOADS_PER_URL (429), audited', async () => {
    const res = await uploadRaw(s.baseUrl, clinician, pdfOfSize(BIG));
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { id: string }).id;
    const content = `${s.baseUrl}/v1/documents/${id}/content`;
    const open: Awaited<ReturnType<typeof stalledDownload>>[] = [];
    try {
      await downloadsCapped(id, content, open);
    } finally {
      for (const o of open) o.close();
    }
    const refused = await s.sql`select action, outcome from audit_events where document_id = ${id} and error_code = 'too_many_downloads' order by id`;
    expect(refused.map((r) => `${r.action}:${r.outcome}`)).toEqual(['document.content:failed', 'document.blob-fetch:failed', 'document.blob-fetch:failed']);
  }, 60_000);
});

/** A refusal, read without reading 48 MiB of document when it is (wrongly) not one. */
async function refused(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  if (res.status !== status) {
    await res.body?.cancel();
    expect(res.status, `expected ${status} ${code}`).toBe(status);
  }
  return expectProblem(res, status, code);
}

async function downloadsCapped(id: string, content: string, open: Awaited<ReturnType<typeof stalledDownload>>[]): Promise<void> {
  open.push(await stalledDownload(content, auth(clinician)), await stalledDownload(content, auth(clinician)));
  const url = await downloadUrl(clinician, id);
  open.push(await stalledDownload(url));
  expect(open.map((o) => o.status)).toEqual([200, 200, 200]);
  const over = await fetch(content, { headers: auth(clinician) });
  expect((await refused(over, 429, 'too_many_downloads')).limit).toBe(MAX_OPEN_DOWNLOADS);
  expect(over.headers.get('retry-after')).toBeTruthy();
  await refused(await fetch(url), 429, 'too_many_downloads');
  // another user is not held back
  const other = await s.token('dr.other', ['clinician']);
  const theirs = await fetch(content, { headers: auth(other) });
  expect(theirs.status).toBe(200);
  await theirs.arrayBuffer();
  // a second fetch of the same URL is refused even when its user has room
  open.shift()!.close();
  await new Promise((r) => setTimeout(r, 300));
  await refused(await fetch(url), 429, 'too_many_downloads');
  const again = await fetch(content, { headers: auth(clinician) });
  expect(again.status).toBe(200);
  await again.arrayBuffer();
  for (const o of open.splice(0)) o.close();
  await new Promise((r) => setTimeout(r, 300));
  const fetched = await fetch(url);
  expect(fetched.status).toBe(200);
  await fetched.arrayBuffer();
}

describe('finding 8: Content-Security-Policy and frame protection', () => {
  const directives = (h: string | null) => new Map((h ?? '').split(';').map((d) => d.trim()).filter(Boolean).map((d) => [d.split(/\s+/)[0]!, d.split(/\s+/).slice(1).join(' ')]));

  it('the page at / may load only its own code and may not be framed', async () => {
    for (const path of ['/', '/ui/config.json']) {
      const res = await fetch(`${s.baseUrl}${path}`);
      expect(res.status, path).toBe(200);
      await res.arrayBuffer();
      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp.get('default-src'), path).toBe("'self'");
      expect(csp.get('script-src'), path).toBe("'self' 'wasm-unsafe-eval'"); // WebAssembly (SHA-256 in the page), no eval
      expect(csp.get('frame-ancestors'), path).toBe("'none'");
      expect(csp.get('object-src'), path).toBe("'none'");
      expect(csp.get('base-uri'), path).toBe("'none'");
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
    }
  });

  it('document bytes, through /content or a signed URL, are sandboxed and may not be framed', async () => {
    const id = await upload(clinician, 'framed');
    for (const res of [await fetch(`${s.baseUrl}/v1/documents/${id}/content`, { headers: auth(clinician) }), await fetch(await downloadUrl(clinician, id))]) {
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp.get('default-src')).toBe("'none'");
      expect(csp.has('sandbox')).toBe(true);
      expect(csp.get('frame-ancestors')).toBe("'none'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('every other answer (the API, Swagger UI) may not be framed either', async () => {
    for (const [path, headers] of [[`/v1/document-types`, auth(clinician)], ['/docs/', {}], ['/healthz', {}]] as const) {
      const res = await fetch(`${s.baseUrl}${path}`, { headers });
      expect(res.status, path).toBe(200);
      await res.arrayBuffer();
      expect(directives(res.headers.get('content-security-policy')).get('frame-ancestors'), path).toBe("'none'");
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
    }
  });
});

describe('finding 9: what is public', () => {
  it('/metrics on the API port needs an admin token (it shows the Node version, per-route counts, the scrub counters)', async () => {
    const anonymous = await fetch(`${s.baseUrl}/metrics`);
    await expectProblem(anonymous, 401, 'unauthenticated');
    await expectProblem(await fetch(`${s.baseUrl}/metrics`, { headers: auth(clinician) }), 403, 'forbidden');
    const admin = await fetch(`${s.baseUrl}/metrics`, { headers: auth(await s.token('root.sec', ['admin'])) });
    expect(admin.status).toBe(200);
    expect(await admin.text()).toContain('quill_http_request_duration_seconds');
    const denied = await s.sql`select error_code from audit_events where action = 'auth' and actor is null and detail->>'route' = '/metrics'`;
    expect(denied.length).toBeGreaterThan(0);
  });

  it('QUILL_METRICS_PORT serves them without a token on a listener of their own, on loopback', async () => {
    const m = await startTestServer({ QUILL_METRICS_PORT: '0' });
    try {
      const at = m.service.metricsAddress?.();
      expect(at?.host).toBe('127.0.0.1');
      const res = await fetch(`http://127.0.0.1:${at!.port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      expect(await res.text()).toContain('quill_process_cpu_seconds_total');
      // that listener serves nothing else
      const other = await fetch(`http://127.0.0.1:${at!.port}/v1/document-types`);
      expect(other.status).toBe(404);
      await other.arrayBuffer();
    } finally {
      await m.close();
    }
  });

  it('every directory the service created in its data directory is 0700 (no local user lists document or upload ids)', async () => {
    // a document, and an upload with a part still waiting for the rest
    await upload(clinician, 'directory modes');
    const t = await s.token('dr.dirs', ['clinician']);
    const bytes = pdfOfSize(600 * 1024);
    const created = await createUpload(t, bytes);
    expect((await patchUpload(new URL(created.headers.get('location')!, s.baseUrl).toString(), t, 0, bytes.subarray(0, 300 * 1024))).status).toBe(204);
    const dirs: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      dirs.push(dir);
      for (const e of await readdir(dir, { withFileTypes: true })) if (e.isDirectory()) await walk(path.join(dir, e.name));
    };
    await walk(s.cfg.dataDir);
    expect(dirs.some((d) => d.endsWith(`${path.sep}blobs${path.sep}documents`))).toBe(true);
    expect(dirs.some((d) => d.includes(`${path.sep}blobs${path.sep}uploads${path.sep}`))).toBe(true);
    expect(dirs.some((d) => d.endsWith(`${path.sep}blobs${path.sep}.incoming`))).toBe(true);
    const open: string[] = [];
    for (const d of dirs) if (((await stat(d)).mode & 0o777) !== 0o700) open.push(`${d} ${((await stat(d)).mode & 0o777).toString(8)}`);
    expect(open).toEqual([]);
  });
});
