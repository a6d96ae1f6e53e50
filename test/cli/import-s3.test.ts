// quill-docstore import on S3 (SeaweedFS): the live store is an S3 bucket, and the legacy archive's scans are read
// from another bucket, a named store (QUILL_STORES), by `s3://bucket/key` paths. Every object is stored through the
// upload protocol into the live bucket with its SHA-256; a missing key and an unconfigured bucket are refused by line.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCHARGE, pdfBytes, sha256 } from '../support/fixtures.ts';
import { bucketName, requireServers, runCli, s3Env, useAwsCredentials } from '../support/live-stores.ts';
import { randomNhsNumber } from '../support/nhs-numbers.ts';
import { createVersionedBucket, s3Client, startSeaweed, type SeaweedServer } from '../support/seaweedfs.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const run = requireServers('import from and into S3', { azurite: false });

describe.skipIf(!run)('import from and into S3', () => {
  let sw: SeaweedServer;
  let s: TestServer;
  let work: string;
  let env: Record<string, string>;
  let restoreAws: () => void = () => undefined;
  let legacy: string;
  const patient = randomNhsNumber();
  const expected = new Map<string, string>();

  beforeAll(async () => {
    sw = await startSeaweed();
    restoreAws = useAwsCredentials(sw);
    const live = bucketName('live');
    legacy = bucketName('legacy');
    await createVersionedBucket(sw.endpoint, sw, live);
    await createVersionedBucket(sw.endpoint, sw, legacy);
    const c = s3Client(sw);
    try {
      for (let i = 0; i < 20; i++) {
        const bytes = pdfBytes(`legacy scan ${i}`);
        expected.set(`S3-${i}`, sha256(bytes));
        await c.send(new PutObjectCommand({ Bucket: legacy, Key: `scans/2003/${i}.pdf`, Body: bytes }));
      }
    } finally {
      c.destroy();
    }
    env = {
      QUILL_BLOB_STORE: 's3',
      ...s3Env(sw, live),
      QUILL_STORES: 'legacy',
      QUILL_STORE_LEGACY_KIND: 's3',
      QUILL_STORE_LEGACY_S3_BUCKET: legacy,
      QUILL_STORE_LEGACY_S3_ENDPOINT: sw.endpoint,
      QUILL_STORE_LEGACY_S3_FORCE_PATH_STYLE: 'true',
    };
    s = await startTestServer(env);
    Object.assign(env, { DATABASE_URL: s.cfg.databaseUrl!, QUILL_DATA_DIR: s.cfg.dataDir });
    work = await mkdtemp(path.join(os.tmpdir(), 'quill-import-s3-'));
  }, 120_000);

  afterAll(async () => {
    await s?.close();
    restoreAws();
    await sw?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  it('reads s3://bucket/key from a configured store and stores each file in the live bucket, verified', async () => {
    const rows = ['sourceId,path,patient,type,title'];
    for (let i = 0; i < 20; i++) rows.push(`S3-${i},s3://${legacy}/scans/2003/${i}.pdf,${patient},${DISCHARGE},Scan ${i}`);
    rows.push(`S3-missing,s3://${legacy}/scans/2003/none.pdf,${patient},${DISCHARGE},Missing`);
    rows.push(`S3-elsewhere,s3://not-configured/x.pdf,${patient},${DISCHARGE},Elsewhere`);
    const manifest = path.join(work, 'm.csv');
    await writeFile(manifest, `${rows.join('\n')}\n`);
    const report = path.join(work, 'r.ndjson');
    const r = await runCli(['import', '--manifest', manifest, '--report', report, '--json'], env);
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 22, imported: 20, refused: 2 });
    const refused = (await readFile(report, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { line: number; code: string });
    expect(refused.map((x) => [x.line, x.code]).sort()).toEqual([[22, 'file_not_found'], [23, 'invalid_path']]);

    const stored = await s.sql<{ source_id: string; sha256: string; blob_store: string; document_id: string }[]>`
      select i.source_id, v.sha256, v.blob_store, v.document_id from imported_documents i join document_versions v on v.document_id = i.document_id`;
    expect(stored).toHaveLength(20);
    for (const x of stored) expect([x.blob_store, x.sha256]).toEqual(['s3', expected.get(x.source_id)]);
    const token = await s.token('dr.s3', ['clinician']);
    const res = await fetch(`${s.baseUrl}/v1/documents/${stored[0]!.document_id}/content`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(stored[0]!.sha256);
  }, 120_000);
});
