// New versions' bytes go under the fanned-out key (documents/<fan>/<document id>_<upload id>); versions recorded with a
// key of the shape from before the fan-out (documents/<document id>/<upload id>) are read, served by signed URL and kept
// by reconcile as they are; reconcile's orphan scan removes unreferenced objects of either shape.
import { randomUUID } from 'node:crypto';
import { stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FsBlobStore } from '../../src/blobstores/fs-store.ts';
import { createLogger } from '../../src/bootstrap.ts';
import { reconcile } from '../../src/jobs/reconcile.ts';
import { PATIENT, pdfBytes, sha256, uploadRaw } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let s: TestServer;
let token: string;
let store: FsBlobStore;
const auth = () => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  s = await startTestServer();
  token = await s.token('dr.fan', ['clinician']);
  store = s.service.blobs.live as FsBlobStore;
});
afterAll(async () => {
  await s?.close();
});

async function upload(note: string): Promise<{ id: string; key: string; bytes: Buffer }> {
  const bytes = pdfBytes(note);
  const res = await uploadRaw(s.baseUrl, token, bytes);
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  const [row] = await s.sql<{ blob_key: string }[]>`select blob_key from document_versions where document_id = ${id}`;
  return { id, key: row!.blob_key, bytes };
}

/** Stores the version's bytes again under a key of the shape from before the fan-out and records that key, as a version written then would be. */
async function asBeforeFanOut(v: { id: string; key: string; bytes: Buffer }): Promise<string> {
  const old = `documents/${v.id}/${randomUUID()}`;
  await store.put(old, Readable.from([v.bytes]), { contentType: 'application/pdf' });
  await s.sql`update document_versions set blob_key = ${old} where document_id = ${v.id}`;
  await s.sql`update upload_intents set blob_key = ${old} where blob_key = ${v.key}`;
  await store.delete(v.key, null);
  return old;
}

const age = async (key: string) => {
  const past = new Date(Date.now() - 3600_000);
  await utimes(path.join(store.dir, key), past, past);
};

describe('fanned-out blob keys on the filesystem store', () => {
  it('writes a new version under documents/<first three hex digits of its document id>/<document id>_<upload id>', async () => {
    const v = await upload('fan-out');
    expect(v.key).toMatch(new RegExp(`^documents/${v.id.slice(0, 3)}/${v.id}_[0-9a-f-]{36}$`));
    expect((await stat(path.join(store.dir, v.key))).isFile()).toBe(true);
    expect(Buffer.from(await (await fetch(`${s.baseUrl}/v1/documents/${v.id}/content`, { headers: auth() })).arrayBuffer()).equals(v.bytes)).toBe(true);
  });

  it('reads a version whose key has the shape from before the fan-out: /content, a signed URL, and the version check', async () => {
    const v = await upload('before fan-out');
    const old = await asBeforeFanOut(v);
    expect(old.split('/')).toHaveLength(3);
    const content = await fetch(`${s.baseUrl}/v1/documents/${v.id}/content`, { headers: auth() });
    expect(content.status).toBe(200);
    expect(sha256(Buffer.from(await content.arrayBuffer()))).toBe(sha256(v.bytes));
    const link = (await (await fetch(`${s.baseUrl}/v1/documents/${v.id}/download-url`, { method: 'POST', headers: auth() })).json()) as { url: string };
    expect(new URL(link.url).pathname).toBe(`/v1/blobs/${old}`);
    const fetched = await fetch(link.url);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(v.bytes)).toBe(true);
    const [audit] = await s.sql<{ document_id: string }[]>`select document_id from audit_events where action = 'document.blob-fetch' and outcome = 'success' order by id desc limit 1`;
    expect(audit!.document_id).toBe(v.id);
  });

  it('reconcile removes orphans of both shapes and keeps every referenced object of both shapes', async () => {
    const fresh = await upload('referenced, fanned out');
    const older = await upload('referenced, from before');
    const olderKey = await asBeforeFanOut(older);
    const orphanOld = `documents/${randomUUID()}/${randomUUID()}`;
    const orphanId = randomUUID();
    const orphanNew = `documents/${orphanId.slice(0, 3)}/${orphanId}_${randomUUID()}`;
    for (const k of [orphanOld, orphanNew]) await store.put(k, Readable.from([pdfBytes('orphan')]), { contentType: 'application/pdf' });
    for (const k of [fresh.key, olderKey, orphanOld, orphanNew]) await age(k);
    const report = await reconcile(s.sql as never, store, createLogger('silent'), { graceSeconds: 60 });
    expect(report.errors).toEqual([]);
    expect(report.missingBlobs).toEqual([]);
    expect(report.orphansRemoved).toBe(2);
    await expect(stat(path.join(store.dir, orphanOld))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(path.join(store.dir, orphanNew))).rejects.toMatchObject({ code: 'ENOENT' });
    for (const k of [fresh.key, olderKey]) expect((await stat(path.join(store.dir, k))).isFile(), k).toBe(true);
    for (const v of [fresh, older]) expect((await fetch(`${s.baseUrl}/v1/documents/${v.id}/content`, { headers: auth() })).status).toBe(200);
  });
});
