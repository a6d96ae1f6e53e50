// Integrity and confidentiality at rest on the embedded default (fs store, encrypted): through the real service and a
// real PostgreSQL. The file on disk holds no plaintext; a flipped byte, a truncation or two swapped files are caught
// (on download or by the scrubber), the version is flagged and its downloads refused, the audit has the incident,
// /readyz and /metrics show it; scrub --repair restores from an identical copy or says exactly what is lost; rotating
// the key-encryption key under upload load loses nothing; a plaintext store is encrypted in place by migrate-blobs.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, truncate, writeFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/bootstrap.ts';
import { systemContext } from '../../src/domain/principal.ts';
import { FsBlobStore } from '../../src/blobstores/fs-store.ts';
import { Keyring } from '../../src/blobstores/encryption/keyring.ts';
import { rotateKeys } from '../../src/blobstores/encryption/rotate-key.ts';
import { encryptFsInPlace } from '../../src/jobs/encrypt-fs.ts';
import { HEADER_SIZE } from '../../src/blobstores/encryption/format.ts';
import { scrub } from '../../src/integrity/scrubber.ts';
import { repairFlagged } from '../../src/integrity/repair.ts';
import { createTestDatabase } from '../support/database.ts';
import { sha256, uploadRaw } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { runCli } from '../support/live-stores.ts';
import { builtInStore } from '../../src/config/store-config.ts';

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const log = createLogger('silent');
const PATIENT = '9434765919';

/** A text document with a recognisable sentence repeated, plus random bytes so each one is unique. */
const letter = (kb = 200, seed = randomBytes(8).toString('hex')) =>
  Buffer.from(`Discharge summary ${seed}: the patient was treated for pneumonia and is well. `.repeat(Math.ceil((kb * 1024) / 80))).subarray(0, kb * 1024);

let s: TestServer;
let clinician: string;

async function upload(bytes: Buffer): Promise<{ id: string; key: string; file: string }> {
  const res = await uploadRaw(s.baseUrl, clinician, bytes, { contentType: 'text/plain' });
  expect(res.status).toBe(201);
  const doc = await res.json();
  const [v] = await s.sql`select blob_key from document_versions where document_id = ${doc.id}`;
  return { id: doc.id, key: v!.blob_key as string, file: path.join(builtInStore(s.cfg, 'fs').dir, v!.blob_key as string) };
}

const cliEnv = () => ({ DATABASE_URL: s.cfg.databaseUrl!, QUILL_DATA_DIR: s.cfg.dataDir, LOG_LEVEL: 'silent' });
const content = (id: string) => fetch(`${s.baseUrl}/v1/documents/${id}/content`, { headers: auth(clinician) });

/** 'ok' with the bytes, or how the download failed: a problem code, or 'aborted' (the body did not complete). */
async function download(id: string): Promise<{ outcome: string; bytes?: Buffer }> {
  const res = await content(id);
  if (res.status !== 200) return { outcome: ((await res.json()) as { code: string }).code };
  try {
    return { outcome: 'ok', bytes: Buffer.from(await res.arrayBuffer()) };
  } catch {
    return { outcome: 'aborted' };
  }
}

const until = async (f: () => Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

const flagged = async (id: string) => (await s.sql`select integrity_failed_at from document_versions where document_id = ${id}`)[0]!.integrity_failed_at !== null;
const incidents = (id: string) => s.sql`select * from audit_events where document_id = ${id} and action = 'integrity_failure' order by id`;

beforeAll(async () => {
  s = await startTestServer({ QUILL_SCRUB_RATE: '0' });
  clinician = await s.token('dr-who', ['clinician'], [PATIENT]);
});
afterAll(async () => {
  await s?.close();
});

describe('encryption at rest (fs, the default)', () => {
  it('stores no plaintext run of the document on disk, and serves the exact bytes through /content and signed URLs', async () => {
    const bytes = letter(300);
    const d = await upload(bytes);
    const onDisk = await readFile(d.file);
    expect(onDisk.includes(Buffer.from('Discharge summary'))).toBe(false);
    expect(onDisk.includes(Buffer.from('pneumonia'))).toBe(false);
    for (let i = 0; i + 16 <= bytes.length; i += 997) expect(onDisk.includes(bytes.subarray(i, i + 16))).toBe(false);
    expect(onDisk.length).toBeGreaterThan(bytes.length); // header and tags
    const got = await download(d.id);
    expect(got.outcome).toBe('ok');
    expect(sha256(got.bytes!)).toBe(sha256(bytes));
    const link = await (await fetch(`${s.baseUrl}/v1/documents/${d.id}/download-url`, { method: 'POST', headers: auth(clinician) })).json();
    const viaUrl = Buffer.from(await (await fetch(link.url)).arrayBuffer());
    expect(viaUrl.equals(bytes)).toBe(true);
    // the key was generated in the data directory, mode 0600, and doctor warns loudly about where it lives
    expect(((await stat(path.join(s.cfg.dataDir, 'fs-kek'))).mode & 0o777).toString(8)).toBe('600');
    const doctor = await runCli(['doctor'], cliEnv());
    expect(doctor.stdout).toMatch(/WARN\s+fs\.encryption-key\s+WARNING: the key-encryption key is a file .*fs-kek\), generated in the data directory beside the data\. A key kept beside the data protects only against a stolen disk image/);
    expect(doctor.stdout).toMatch(/ok\s+fs\.encryption\s+new objects are encrypted/);
  });

  it('a flipped byte is caught on download: the version is flagged, the incident audited, later downloads refused with problem+json', async () => {
    const bytes = letter(2048);
    const d = await upload(bytes);
    const f = await readFile(d.file);
    f[HEADER_SIZE + 20 * 65552 + 100]! ^= 0x40; // inside the 21st chunk: the response has started when it is found
    await writeFile(d.file, f);
    expect((await download(d.id)).outcome).toBe('aborted');
    await until(() => flagged(d.id));
    const inc = await incidents(d.id);
    expect(inc).toHaveLength(1);
    expect(inc[0]).toMatchObject({ outcome: 'failed', error_code: 'integrity_failure', patient_nhs: PATIENT });
    const res = await content(d.id);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await res.json()).toMatchObject({ code: 'content_quarantined' });
    const url = await fetch(`${s.baseUrl}/v1/documents/${d.id}/download-url`, { method: 'POST', headers: auth(clinician) });
    expect(url.status).toBe(409);
    // /readyz degraded with the count; /metrics shows it
    // the public answer has status only; the count is in an admin's detailed answer
    const ready = await (await fetch(`${s.baseUrl}/readyz`, { headers: { authorization: `Bearer ${await s.token('ops.admin', ['admin'])}` } })).json();
    expect(ready.status).toBe('degraded');
    expect(ready.layers.find((l: { layer: string }) => l.layer === 'integrity').detail).toMatch(/^1 document version\(s\) failed/);
    const metrics = await (await fetch(`${s.baseUrl}/metrics`, { headers: { authorization: `Bearer ${await s.token('ops.admin', ['admin'])}` } })).text();
    expect(metrics).toMatch(/^quill_integrity_quarantined_versions 1$/m);
    // a second refused download does not open a second incident
    expect((await incidents(d.id)).length).toBe(1);
  });

  it('a header flip or a truncation is refused up front (problem+json), not served', async () => {
    const a = await upload(letter(100));
    const fa = await readFile(a.file);
    fa[12 + 16 + 12 + 5]! ^= 1; // in the wrapped data key
    await writeFile(a.file, fa);
    const ra = await content(a.id);
    expect(ra.status).toBe(500);
    expect((await ra.json()).code).toBe('integrity_failure');
    await until(() => flagged(a.id));

    const b = await upload(letter(200));
    await truncate(b.file, HEADER_SIZE + 2 * 65552);
    expect(['aborted', 'integrity_failure']).toContain((await download(b.id)).outcome);
    await until(() => flagged(b.id));
  });

  it('the scrubber finds two swapped files, flags both and audits each incident; scrub --repair restores from an identical copy or says what is lost', async () => {
    const shared = letter(150);
    const x = await upload(shared);
    const twin = await upload(shared); // an identical copy under another document
    const y = await upload(letter(150));
    await copyFile(x.file, `${x.file}.tmp`);
    await copyFile(y.file, x.file);
    await copyFile(`${x.file}.tmp`, y.file);
    await rm(`${x.file}.tmp`);

    const report = await scrub(s.service.db.sql, s.service.blobs, log, { waitForLock: true });
    expect(report.passComplete).toBe(true);
    const found = report.findings.filter((f) => f.documentId === x.id || f.documentId === y.id);
    expect(found.map((f) => f.problem).sort()).toEqual(['unreadable', 'unreadable']);
    expect(report.findings.some((f) => f.documentId === twin.id)).toBe(false);
    expect(await flagged(x.id)).toBe(true);
    expect(await flagged(y.id)).toBe(true);
    expect(await incidents(x.id)).toHaveLength(1);
    expect((await content(x.id)).status).toBe(409);
    // every clean version got its last_verified_at
    const [tw] = await s.sql`select last_verified_at from document_versions where document_id = ${twin.id}`;
    expect(tw!.last_verified_at).not.toBeNull();

    const repairs = await repairFlagged(s.service.db.sql, s.service.blobs, log);
    const rx = repairs.find((r) => r.documentId === x.id)!;
    const ry = repairs.find((r) => r.documentId === y.id)!;
    expect(rx.repaired).toBe(true);
    expect(rx.detail).toContain(twin.id);
    expect(ry.repaired).toBe(false);
    expect(ry.detail).toMatch(/^LOST: no intact copy of document .* 153600 bytes, SHA-256 [0-9a-f]{64}, patient 9434765919/);
    const back = await download(x.id);
    expect(back.outcome).toBe('ok');
    expect(back.bytes!.equals(shared)).toBe(true);
    expect(await flagged(x.id)).toBe(false);
    const [rep] = await s.sql`select * from audit_events where document_id = ${x.id} and action = 'integrity.repair'`;
    expect(rep).toMatchObject({ outcome: 'success' });
    expect((await content(y.id)).status).toBe(409);
  });

  it('rotate-key under upload load: every object ends under the new key, the old key is retired, nothing is lost', async () => {
    const store = new FsBlobStore({
      dir: builtInStore(s.cfg, 'fs').dir,
      signingKey: randomBytes(32),
      baseUrl: () => '',
      keyring: await Keyring.load({ kek: null, previous: [], file: path.join(s.cfg.dataDir, 'fs-kek'), generate: false }),
    });
    const before = (await store.keyring!.all[0]!.id.toString('hex'));
    const docs: { id: string; bytes: Buffer }[] = [];
    for (let i = 0; i < 10; i++) {
      const bytes = letter(40);
      docs.push({ id: (await upload(bytes)).id, bytes });
    }
    let stop = false;
    const load = (async () => {
      while (!stop) {
        const bytes = letter(40);
        docs.push({ id: (await upload(bytes)).id, bytes });
      }
    })();
    await store.keyring!.addNewCurrent();
    const after = store.keyring!.current.id.toString('hex');
    expect(after).not.toBe(before);
    await new Promise((r) => setTimeout(r, 1500)); // uploads keep arriving; the service picks up the new key file
    stop = true;
    await load;
    const r = await rotateKeys(store);
    const healthy = new Set((await s.sql`select blob_key from document_versions where integrity_failed_at is null`).map((x) => x.blob_key as string));
    // the only objects that cannot be re-wrapped are the ones earlier tests tampered with (quarantined or replaced)
    expect(r.failures.filter((f) => healthy.has(f.key))).toEqual([]);
    expect(r.failures.length).toBeLessThanOrEqual(4);
    expect(r.rewrapped).toBeGreaterThan(0);
    const again = await rotateKeys(store);
    expect(again.rewrapped).toBe(0);
    expect(again.current).toBeGreaterThan(12);
    expect(await store.keyring!.retireOld()).toBe(1);
    // every document, old and uploaded during the rotation, reads back exactly with only the new key in the file
    const quarantined = new Set((await s.sql`select document_id from document_versions where integrity_failed_at is not null`).map((x) => x.document_id as string));
    let checked = 0;
    for (const d of docs) {
      if (quarantined.has(d.id)) continue;
      const got = await download(d.id);
      expect(got.outcome, d.id).toBe('ok');
      expect(got.bytes!.equals(d.bytes)).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(12);
    // the CLI does the same: a new key, every object re-wrapped under it, progress on stderr
    const out = await runCli(['rotate-key', '--json'], cliEnv());
    const rep = JSON.parse(out.stdout);
    expect(rep.kekId).not.toBe(after);
    expect(rep.rewrapped).toBeGreaterThan(12);
    expect(rep.failures.filter((f: { key: string }) => healthy.has(f.key))).toEqual([]);
    expect(out.stderr).toMatch(/rotate-key: new key-encryption key [0-9a-f]{32} added/);
    const d = docs[0]!;
    expect((await download(d.id)).bytes?.equals(d.bytes)).toBe(true);
  });
});

describe('migrate-blobs --from fs --to fs-encrypted', () => {
  it('encrypts a plaintext store in place, verified; downloads keep working before, during and after', async () => {
    const db = await createTestDatabase();
    const fsDir = await mkdtemp(path.join(os.tmpdir(), 'quill-plain-'));
    const keyFile = path.join(fsDir, '..', `kek-${randomBytes(4).toString('hex')}`);
    const plain = await startTestServer({ QUILL_FS_ENCRYPTION: 'false', QUILL_FS_DIR: fsDir, QUILL_SCRUB_RATE: '0' }, { databaseUrl: db.url });
    let enc: TestServer | undefined;
    try {
      const token = await plain.token('dr', ['clinician'], [PATIENT]);
      const docs: { id: string; bytes: Buffer; file: string }[] = [];
      for (let i = 0; i < 4; i++) {
        const bytes = letter(90);
        const doc = await (await uploadRaw(plain.baseUrl, token, bytes, { contentType: 'text/plain' })).json();
        const [v] = await plain.sql`select blob_key from document_versions where document_id = ${doc.id}`;
        docs.push({ id: doc.id, bytes, file: path.join(fsDir, v!.blob_key as string) });
      }
      expect((await readFile(docs[0]!.file)).equals(docs[0]!.bytes)).toBe(true); // plain on disk
      // a corrupted plain file is not encrypted (it would launder the corruption)
      const bad = Buffer.from(docs[3]!.bytes);
      bad[5]! ^= 1;
      await writeFile(docs[3]!.file, bad);
      await plain.close();

      const keyring = await Keyring.load({ kek: null, previous: [], file: keyFile, generate: true });
      const store = new FsBlobStore({ dir: fsDir, signingKey: randomBytes(32), baseUrl: () => '', keyring });
      const sql = (await import('postgres')).default(db.url, { max: 2, onnotice: () => undefined, types: { bigint: (await import('postgres')).default.BigInt } });
      try {
        const r = await encryptFsInPlace(sql, store, log, systemContext('migrate-blobs'));
        expect(r).toMatchObject({ total: 4, encrypted: 3, alreadyEncrypted: 0 });
        expect(r.failed).toHaveLength(1);
        expect(r.failed[0]!.reason).toMatch(/does not match its recorded SHA-256/);
        const again = await encryptFsInPlace(sql, store, log, systemContext('migrate-blobs'));
        expect(again).toMatchObject({ total: 4, encrypted: 0, alreadyEncrypted: 3 });
        expect((await sql`select count(*)::int as n from audit_events where action = 'document.blob-encrypt'`)[0]!.n).toBe(3);
      } finally {
        await sql.end();
      }
      for (const d of docs.slice(0, 3)) {
        const onDisk = await readFile(d.file);
        expect(onDisk.includes(Buffer.from('pneumonia'))).toBe(false);
      }
      enc = await startTestServer({ QUILL_FS_DIR: fsDir, QUILL_FS_KEK_FILE: keyFile, QUILL_SCRUB_RATE: '0' }, { databaseUrl: db.url });
      const t2 = await enc.token('dr', ['clinician'], [PATIENT]);
      for (const d of docs.slice(0, 3)) {
        const res = await fetch(`${enc.baseUrl}/v1/documents/${d.id}/content`, { headers: auth(t2) });
        expect(Buffer.from(await res.arrayBuffer()).equals(d.bytes)).toBe(true);
      }
    } finally {
      await enc?.close();
      await db.drop();
      await rm(fsDir, { recursive: true, force: true });
      await rm(keyFile, { force: true });
    }
  });
});

describe('Range requests on /content (encrypted fs)', () => {
  it('serve 206 with exactly the requested bytes, decrypting only the covering chunks; 416 outside the document', async () => {
    const bytes = letter(400);
    const d = await upload(bytes);
    const size = bytes.length;
    for (const [header, start, end] of [
      ['bytes=0-99', 0, 99],
      ['bytes=65530-65545', 65530, 65545],
      ['bytes=200000-', 200000, size - 1],
      ['bytes=-1000', size - 1000, size - 1],
      ['bytes=100-999999999', 100, size - 1],
    ] as const) {
      const res = await fetch(`${s.baseUrl}/v1/documents/${d.id}/content`, { headers: { ...auth(clinician), range: header } });
      expect(res.status, header).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(start, end + 1)), header).toBe(true);
    }
    const out = await fetch(`${s.baseUrl}/v1/documents/${d.id}/content`, { headers: { ...auth(clinician), range: `bytes=${size}-` } });
    expect(out.status).toBe(416);
    expect((await out.json()).code).toBe('range_not_satisfiable');
    // several ranges, or If-Range: the whole document, verified, with 200
    const multi = await fetch(`${s.baseUrl}/v1/documents/${d.id}/content`, { headers: { ...auth(clinician), range: 'bytes=0-1,5-6' } });
    expect(multi.status).toBe(200);
    expect(Buffer.from(await multi.arrayBuffer()).equals(bytes)).toBe(true);
    // each range read is audited with its range
    const rows = await s.sql`select detail from audit_events where document_id = ${d.id} and action = 'document.content' and outcome = 'success' and detail ? 'range'`;
    expect(rows.map((r) => r.detail.range)).toContain(`65530-65545`);
    // a tampered chunk inside the range is refused, not served
    const f = await readFile(d.file);
    f[HEADER_SIZE + 3 * 65552 + 10]! ^= 1;
    await writeFile(d.file, f);
    const bad = await fetch(`${s.baseUrl}/v1/documents/${d.id}/content`, { headers: { ...auth(clinician), range: `bytes=${3 * 65536}-${3 * 65536 + 99}` } });
    expect(bad.status).toBe(500);
    expect((await bad.json()).code).toBe('integrity_failure');
    await until(() => flagged(d.id));
  });
});
