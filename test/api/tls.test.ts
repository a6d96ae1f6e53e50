import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfBytes, PATIENT, uploadMultipart } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// A CA and a server certificate made here with the openssl CLI; the client trusts only that CA.
const dir = mkdtempSync(path.join(os.tmpdir(), 'quill-tls-'));
const file = (n: string) => path.join(dir, n);
function makePki(): void {
  const run = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=Quill test CA');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  run('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '2', '-extfile', file('ext.cnf'));
}

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }
function get(url: string, opts: { ca?: Buffer; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { ca: opts.ca, headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('HTTPS served by the service (QUILL_TLS_CERT_FILE, QUILL_TLS_KEY_FILE)', () => {
  let s: TestServer;
  let base: string;
  beforeAll(async () => {
    makePki();
    s = await startTestServer({ QUILL_TLS_CERT_FILE: file('server.pem'), QUILL_TLS_KEY_FILE: file('server.key') });
    base = `https://127.0.0.1:${(s.service.app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers over TLS with a certificate from the test CA, with HSTS', async () => {
    const r = await get(`${base}/healthz`, { ca: readFileSync(file('ca.pem')) });
    expect(r.status).toBe(200);
    expect(r.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
    const token = await s.token('dr.tls', ['clinician']);
    const doc = await get(`${base}/v1/documents?patient=${PATIENT}`, { ca: readFileSync(file('ca.pem')), headers: { authorization: `Bearer ${token}` } });
    expect(doc.status).toBe(200);
    expect(doc.headers['strict-transport-security']).toBeDefined();
    // the links it hands out name https
    expect(s.service.baseUrl()).toMatch(/^https:\/\//);
  });

  it('is refused by a client that does not trust the CA, and does not speak plain HTTP', async () => {
    await expect(get(`${base}/healthz`)).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    const plain = get(`${base.replace('https:', 'http:')}/healthz`).then((r) => r.status, (e: Error) => e.message);
    expect(await plain).not.toBe(200);
  });

  it('refuses a half configuration at start', async () => {
    await expect(startTestServer({ QUILL_TLS_CERT_FILE: file('server.pem') })).rejects.toThrow(/QUILL_TLS_KEY_FILE/);
    await expect(startTestServer({ QUILL_TLS_CERT_FILE: file('missing.pem'), QUILL_TLS_KEY_FILE: file('server.key') })).rejects.toThrow(/cannot read/);
  });
});

describe('behind a TLS terminator (QUILL_TRUST_PROXY)', () => {
  const xff = { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' };
  async function lastIp(s: TestServer): Promise<string> {
    const [row] = await s.sql`select client_ip from audit_events where action = 'document.create' order by id desc limit 1`;
    return row!.client_ip as string;
  }

  it('records the client address the trusted proxy reports, and sends HSTS for forwarded HTTPS', async () => {
    const s = await startTestServer({ QUILL_TRUST_PROXY: '127.0.0.1' });
    try {
      const token = await s.token('dr.proxy', ['clinician']);
      const res = await fetch(`${s.baseUrl}/v1/documents?patient=${PATIENT}&type=373942005&title=t`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/pdf', ...xff },
        body: new Uint8Array(pdfBytes('proxied')),
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('strict-transport-security')).toBeTruthy();
      expect(await lastIp(s)).toBe('203.0.113.7');
    } finally {
      await s.close();
    }
  });

  it('ignores X-Forwarded-For by default (a client cannot choose the audited address)', async () => {
    const s = await startTestServer();
    try {
      const token = await s.token('dr.direct', ['clinician']);
      const res = await uploadMultipart(s.baseUrl, token, pdfBytes('direct'));
      expect(res.status).toBe(201);
      const spoofed = await fetch(`${s.baseUrl}/v1/documents?patient=${PATIENT}&type=373942005&title=t`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/pdf', ...xff },
        body: new Uint8Array(pdfBytes('spoofed')),
      });
      expect(spoofed.status).toBe(201);
      expect(spoofed.headers.get('strict-transport-security')).toBeNull();
      expect(await lastIp(s)).toBe('127.0.0.1');
    } finally {
      await s.close();
    }
  });
});
