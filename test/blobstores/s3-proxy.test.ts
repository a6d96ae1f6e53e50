// Hospital networks reach object storage through an outbound proxy: the S3 store honours HTTPS_PROXY / HTTP_PROXY /
// NO_PROXY as the Azure store does (azure.test.ts). A recording forward proxy in front of real MinIO: an https endpoint
// is reached through a CONNECT tunnel (TLS end to end, still checked against QUILL_S3_CA_BUNDLE), an http endpoint
// through absolute-form requests, and an endpoint NO_PROXY covers is reached directly.
// Without the MinIO binaries the file is skipped (a failure under CI=true).
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServers } from '../support/live-stores.ts';
import { startMinios, type MinioServer } from '../support/minio.ts';
import { createVersionedBucket } from '../support/seaweedfs.ts';
import { readAll } from './conformance.ts';
import { bucketName, s3Kit } from './s3-features.ts';

const available = requireServers('S3 store through a forward proxy', { minio: true, seaweedfs: false, azurite: false });

/** A forward proxy that records what passes: `CONNECT host:port` tunnels and `METHOD path` of absolute-form requests. */
async function recordingProxy(): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const sockets = new Set<net.Socket>();
  const proxy = http.createServer((req, res) => {
    const u = new URL(req.url!);
    seen.push(`${req.method} ${u.pathname}`);
    const onward = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    onward.on('error', () => res.destroy());
    req.pipe(onward);
  });
  proxy.on('connect', (req, client: net.Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = req.url!.split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    seen,
    async close() {
      for (const s of sockets) s.destroy();
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    },
  };
}

const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'] as const;

/** Runs fn with exactly these proxy variables set (the store reads them when it is built), then restores the others. */
async function withProxyEnv(vars: Partial<Record<(typeof PROXY_VARS)[number], string>>, fn: () => Promise<unknown>): Promise<void> {
  const saved = PROXY_VARS.map((k) => [k, process.env[k]] as const);
  for (const k of PROXY_VARS) delete process.env[k];
  Object.assign(process.env, vars);
  try {
    await fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe.skipIf(!available)('S3 store through a forward proxy (MinIO)', () => {
  let tls: MinioServer;
  let plain: MinioServer;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  const kitTls = s3Kit(async () => tls);
  const kitPlain = s3Kit(async () => plain);
  beforeAll(async () => {
    [tls, plain] = (await startMinios([{ tls: true }, {}])) as [MinioServer, MinioServer];
    proxy = await recordingProxy();
  }, 180_000);
  afterAll(async () => {
    await proxy?.close();
    await Promise.all([tls?.stop(), plain?.stop()]);
  }, 60_000);

  async function roundTrip(m: MinioServer, kit: typeof kitTls, key: string): Promise<string> {
    const bucket = bucketName('proxy');
    await createVersionedBucket(m.endpoint, m, bucket);
    const store = kit.storeFor(m, bucket);
    const r = await store.put(key, Readable.from([Buffer.from('through the proxy')]), { contentType: 'text/plain' });
    expect((await readAll(await store.get(key, r.versionId))).toString()).toBe('through the proxy');
    return bucket;
  }

  it('HTTPS_PROXY: an https endpoint is reached through a CONNECT tunnel, its certificate still checked against the CA bundle', async () => {
    proxy.seen.length = 0;
    await withProxyEnv({ HTTPS_PROXY: proxy.url }, async () => {
      const bucket = await roundTrip(tls, kitTls, 'via-connect.txt');
      // the tunnel carries TLS end to end: without the CA bundle the server's certificate is refused
      const untrusting = kitTls.storeFor(tls, bucket, { caBundle: null });
      await expect(untrusting.ping()).rejects.toMatchObject({ code: 'storage_unavailable', message: expect.stringMatching(/certificate/) });
    });
    expect(proxy.seen).toContain(`CONNECT ${new URL(tls.endpoint).host}`);
    expect(proxy.seen.every((l) => l.startsWith('CONNECT ')), 'nothing of the https traffic in clear').toBe(true);
  });

  it('HTTP_PROXY: an http endpoint is reached through absolute-form requests', async () => {
    proxy.seen.length = 0;
    await withProxyEnv({ HTTP_PROXY: proxy.url }, () => roundTrip(plain, kitPlain, 'via-proxy.txt'));
    expect(proxy.seen.some((l) => l.startsWith('PUT ') && l.endsWith('/via-proxy.txt'))).toBe(true);
    expect(proxy.seen.some((l) => l.startsWith('GET ') && l.endsWith('/via-proxy.txt'))).toBe(true);
  });

  it('NO_PROXY: an endpoint it covers is reached directly', async () => {
    proxy.seen.length = 0;
    await withProxyEnv({ HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1,localhost' }, async () => {
      await roundTrip(tls, kitTls, 'direct.txt');
      await roundTrip(plain, kitPlain, 'direct.txt');
    });
    expect(proxy.seen).toEqual([]);
  });
});
