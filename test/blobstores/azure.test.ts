// AzureBlobStore against a real Azurite (the npm devDependency): the shared BlobStore contract, then Azure-only
// behaviour. Azurite has no blob versioning, so uploads get no versionId and a reused key is refused (If-None-Match).
// Skipped with the reason if Azurite is not installed, except under CI=true, where that is a failure.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, describe, expect, it } from 'vitest';
import { AzureBlobStore } from '../../src/blobstores/azure/azure-store.ts';
import { attachmentDisposition } from '../../src/blobstores/content-disposition.ts';
import type { AzureSettings } from '../../src/config/store-config.ts';
import { AppError } from '../../src/domain/errors.ts';
import { AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME, startAzurite, type AzuriteServer } from '../support/azurite.ts';
import { freePorts } from '../support/process.ts';
import { blobStoreConformance, readAll, type ConformanceHarness } from './conformance.ts';

const available = (() => {
  try {
    createRequire(import.meta.url).resolve('azurite/package.json');
    return true;
  } catch {
    return false;
  }
})();
const skipReason = 'Azurite is not installed (npm install; it is a devDependency)';

if (!available) {
  if (process.env.CI === 'true') {
    describe('AzureBlobStore on Azurite', () => {
      it('needs Azurite (required when CI=true)', () => {
        throw new Error(skipReason);
      });
    });
  } else {
    console.warn(`[blobstores] skipping: ${skipReason}`);
    describe.skip(`AzureBlobStore on Azurite: skipped because ${skipReason}`, () => {
      it('needs the Azurite server', () => {});
    });
  }
}

let server: Promise<AzuriteServer> | undefined;
const azurite = (): Promise<AzuriteServer> => (server ??= startAzurite());
afterAll(async () => {
  if (server) await (await server).stop();
}, 60_000);

const azureConfig = (container: string, connectionString: string, extra: Partial<AzureSettings> = {}): AzureSettings => ({
  container,
  connectionString,
  accountUrl: null,
  encryptionScope: null,
  ...extra,
});

async function newContainer(az: AzuriteServer, prefix: string): Promise<string> {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  await BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient(name).create();
  return name;
}

const deadPort = (await freePorts(1))[0] as number;

async function azureHarness(): Promise<ConformanceHarness> {
  const az = await azurite();
  const container = await newContainer(az, 'conf');
  const store = new AzureBlobStore(azureConfig(container, az.connectionString));
  const containerClient = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient(container);
  return {
    store,
    fetchUrl: (url) => fetch(url),
    async encryptionOf(key, versionId) {
      const b = containerClient.getBlobClient(key);
      try {
        const p = await (versionId ? b.withVersion(versionId) : b).getProperties();
        return p.isServerEncrypted ? 'true' : undefined;
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) throw new AppError('not_found');
        throw e;
      }
    },
    broken() {
      const cs = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:${deadPort}/${AZURITE_ACCOUNT_NAME};`;
      return new AzureBlobStore(azureConfig(container, cs));
    },
    async cleanup() {},
  };
}

describe.skipIf(!available)('AzureBlobStore on Azurite', () => {
  blobStoreConformance('Azure Blob (Azurite, no versioning)', azureHarness, {
    versionsSameKey: false,
    refusesDigestMismatch: true,
    reportsSha256: false,
    // What this cannot show: Azure Storage encrypts every blob at rest itself (Microsoft-managed keys, or the
    // encryption scope QUILL_AZURE_ENCRYPTION_SCOPE names), and Azurite reports isServerEncrypted=true for every blob
    // whatever the client sends, so this check passes even if the store stopped asking for a scope. Nothing run here
    // can show the scope is applied: that needs a real account (doctor's azure.encryption-scope check reads it back).
    encryptsAtRest: true,
    networked: true,
  });

  describe('Azure specifics', () => {
    it('gets no versionId from Azurite, and doctor() says versioning is off, with the fix', async () => {
      const az = await azurite();
      const container = await newContainer(az, 'ver');
      const store = new AzureBlobStore(azureConfig(container, az.connectionString));
      const r = await store.put('doc.pdf', Readable.from([Buffer.from('%PDF-1.7')]), { contentType: 'application/pdf' });
      expect(r.versionId).toBeNull();
      const checks = await store.doctor();
      const by = Object.fromEntries(checks.map((c) => [c.name, c]));
      expect(by['azure.container']?.ok).toBe(true);
      expect(by['azure.versioning']?.ok).toBe(false);
      expect(by['azure.versioning']?.fix).toContain('--enable-versioning true');
      // the doctor's probe blob is gone again
      const left: string[] = [];
      for await (const b of BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient(container).listBlobsFlat()) left.push(b.name);
      expect(left).toEqual(['doc.pdf']);
    });

    it('honours HTTP_PROXY: requests still go through the proxy (the idle-bounded agents do not replace its agent)', async () => {
      const az = await azurite();
      const container = await newContainer(az, 'proxy');
      const seen: string[] = [];
      const proxy = http.createServer((req, res) => {
        seen.push(`${req.method} ${new URL(req.url!).pathname}`);
        const u = new URL(req.url!);
        const onward = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode!, r.headers);
          r.pipe(res);
        });
        req.pipe(onward);
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY, no_proxy: process.env.no_proxy };
      try {
        process.env.HTTP_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
        delete process.env.NO_PROXY;
        delete process.env.no_proxy;
        // the SDK reads the proxy settings when the client is built
        const store = new AzureBlobStore(azureConfig(container, az.connectionString));
        await store.put('via-proxy.txt', Readable.from([Buffer.from('through the proxy')]), { contentType: 'text/plain' });
        expect((await readAll(await store.get('via-proxy.txt', null))).toString()).toBe('through the proxy');
        expect(seen.some((l) => l.startsWith('PUT ') && l.endsWith(`/${container}/via-proxy.txt`))).toBe(true);
        expect(seen.some((l) => l.startsWith('GET ') && l.endsWith(`/${container}/via-proxy.txt`))).toBe(true);
      } finally {
        for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
        else process.env[k] = v;
        await new Promise((r) => proxy.close(r));
      }
    });

    it('ping() and doctor() report a missing container', async () => {
      const az = await azurite();
      const store = new AzureBlobStore(azureConfig(`missing-${randomUUID().slice(0, 8)}`, az.connectionString));
      const e = await store.ping().then(() => null, (err: unknown) => err);
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe('storage_unavailable');
      const [check] = await store.doctor();
      expect(check?.ok).toBe(false);
      expect(check?.fix).toContain('az storage container create');
    });

    it('stores the content type and reads back the exact bytes', async () => {
      const az = await azurite();
      const container = await newContainer(az, 'ct');
      const store = new AzureBlobStore(azureConfig(container, az.connectionString));
      await store.put('x.png', Readable.from([Buffer.from([0x89, 0x50, 0x4e, 0x47])]), { contentType: 'image/png' });
      const props = await BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient(container).getBlobClient('x.png').getProperties();
      expect(props.contentType).toBe('image/png');
      expect([...(await readAll(await store.get('x.png', null)))]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    });
  });
});

describe('AzureBlobStore SAS URLs (offline)', () => {
  // Signing with a shared key needs no server; a real account endpoint must get an HTTPS-only SAS.
  const cs = `DefaultEndpointsProtocol=https;AccountName=quilltest;AccountKey=${AZURITE_ACCOUNT_KEY};EndpointSuffix=core.windows.net`;
  const store = new AzureBlobStore(azureConfig('docs', cs));

  it('is HTTPS-only, read-only, version-bound and carries the response headers for a real endpoint', async () => {
    const url = new URL(
      await store.presign('a/b.pdf', '2026-01-02T03:04:05.0000000Z', { expiresInSeconds: 600, contentType: 'application/pdf', filename: 'report "final".pdf', issuedTo: 'u1' }),
    );
    expect(url.origin).toBe('https://quilltest.blob.core.windows.net');
    expect(url.pathname).toBe('/docs/a/b.pdf');
    const q = url.searchParams;
    expect(q.get('spr')).toBe('https');
    expect(q.get('sp')).toBe('r');
    expect(q.get('sr')).toBe('bv');
    expect(q.get('versionid')).toBe('2026-01-02T03:04:05.0000000Z');
    expect(q.get('rscd')).toBe(attachmentDisposition('report "final".pdf'));
    expect(q.get('rsct')).toBe('application/pdf');
    const se = Date.parse(q.get('se') ?? '');
    expect(se - Date.now()).toBeGreaterThan(590_000);
    expect(se - Date.now()).toBeLessThanOrEqual(600_000);
    expect(q.get('sig')).toMatch(/\S/);
    expect(url.search).not.toContain('+'); // spaces stay %20, never form-encoded
  });

  it('allows plain http only for a local emulator endpoint', async () => {
    const az = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:10000/${AZURITE_ACCOUNT_NAME};`;
    const local = new AzureBlobStore(azureConfig('docs', az));
    const q = new URL(await local.presign('k', null, { expiresInSeconds: 60, contentType: 'text/plain', filename: null, issuedTo: 'u' })).searchParams;
    expect(q.get('spr')).toBe('https,http');
    expect(q.get('sr')).toBe('b');
    expect(q.get('rscd')).toBe('attachment');
  });
});
