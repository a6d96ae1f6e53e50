// `migrate-blobs` while the service serves: the settings of a named S3 store (QUILL_STORES), and a move run under
// load (two clients uploading, two reading random documents and checking their SHA-256), run twice so the second run
// takes what was uploaded during the first. Used by migrate-to-cluster.test.ts and migrate-minio.test.ts.
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { MigrateBlobsReport } from '../../src/jobs/migrate-blobs.ts';
import { DISCHARGE, PATIENT } from './fixtures.ts';
import { runCli, type S3TestServer } from './live-stores.ts';
import type { TestServer } from './server.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** QUILL_STORES=<name> and that store's QUILL_STORE_<NAME>_S3_* settings for a bucket on `server`, with its own credentials. */
export function namedS3Store(name: string, server: S3TestServer, bucket: string): Record<string, string> {
  const p = `QUILL_STORE_${name.toUpperCase().replace(/-/g, '_')}_`;
  return {
    QUILL_STORES: name,
    [`${p}KIND`]: 's3',
    [`${p}S3_BUCKET`]: bucket,
    [`${p}S3_ENDPOINT`]: server.endpoint,
    [`${p}S3_FORCE_PATH_STYLE`]: 'true',
    [`${p}S3_ACCESS_KEY_ID`]: server.accessKeyId,
    [`${p}S3_SECRET_ACCESS_KEY`]: server.secretAccessKey,
    ...(server.caFile ? { [`${p}S3_CA_BUNDLE`]: server.caFile } : {}),
  };
}

/** The service under a move: what was uploaded (id → SHA-256), and the move itself. */
export class LiveMigration {
  readonly acked = new Map<string, string>();
  readonly #auth: { authorization: string };
  readonly s: TestServer;
  readonly env: Record<string, string>;
  constructor(s: TestServer, token: string, env: Record<string, string>) {
    this.s = s;
    this.env = env;
    this.#auth = { authorization: `Bearer ${token}` };
  }

  async upload(): Promise<void> {
    const body = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(20_000 + Math.floor(Math.random() * 300_000))]);
    const q = new URLSearchParams({ patient: PATIENT, type: DISCHARGE, title: 'move me' });
    const r = await fetch(`${this.s.baseUrl}/v1/documents?${q}`, { method: 'POST', headers: { ...this.#auth, 'content-type': 'application/pdf' }, body: new Uint8Array(body) });
    expect(r.status, await r.clone().text()).toBe(201);
    this.acked.set((await r.json()).id, sha(body));
  }

  /** `migrate-blobs --from --to` twice, the first beside two uploaders and two readers; both must exit 0. */
  async move(from: string, to: string): Promise<{ first: MigrateBlobsReport; reads: number; readFailures: string[] }> {
    let stop = false;
    const readFailures: string[] = [];
    let reads = 0;
    const uploader = async () => {
      while (!stop) await this.upload();
    };
    const reader = async () => {
      while (!stop) {
        const ids = [...this.acked.keys()];
        const id = ids[Math.floor(Math.random() * ids.length)]!;
        const r = await fetch(`${this.s.baseUrl}/v1/documents/${id}/content`, { headers: this.#auth });
        const bytes = new Uint8Array(await r.arrayBuffer());
        if (r.status !== 200 || sha(bytes) !== this.acked.get(id)) readFailures.push(`${id}: ${r.status}`);
        reads++;
      }
    };
    const migrate = () => runCli(['migrate-blobs', '--from', from, '--to', to, '--json'], { ...this.env, DATABASE_URL: this.s.cfg.databaseUrl!, QUILL_DATA_DIR: this.s.cfg.dataDir });
    const load = [uploader(), uploader(), reader(), reader()];
    const first = await migrate();
    stop = true;
    await Promise.all(load);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout.trim().split('\n').pop()!) as MigrateBlobsReport;
    expect(report.failed).toEqual([]);
    // what was uploaded while the first run went: a second run moves it (the bytes stay readable where they are)
    const second = await migrate();
    expect(second.code, second.stderr).toBe(0);
    return { first: report, reads, readFailures };
  }

  /** Every acknowledged document, read back through the service, has its SHA-256. */
  async expectEveryDocumentReads(): Promise<void> {
    for (const [id, want] of this.acked) {
      const r = await fetch(`${this.s.baseUrl}/v1/documents/${id}/content`, { headers: this.#auth });
      expect(r.status).toBe(200);
      expect(sha(new Uint8Array(await r.arrayBuffer()))).toBe(want);
    }
  }
}
