// A throwaway certificate authority for tests, made with the openssl CLI: a CA certificate and server certificates it
// signs for 127.0.0.1 and localhost. Clients under test trust only that CA (QUILL_S3_CA_BUNDLE, fetchTrusting).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const openssl = (...args: string[]) => run('openssl', args);
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export interface TestCa {
  dir: string;
  /** The CA certificate (PEM): the bundle a client under test is given. */
  caFile: string;
  /** A server certificate for 127.0.0.1 and localhost, signed by the CA, written as `<name>.pem` and `<name>.key`. */
  issue(name: string): Promise<{ certFile: string; keyFile: string }>;
}

/** Makes a CA in `dir` (default: a new temp dir, left to the caller to remove). */
export async function makeTestCa(dir?: string): Promise<TestCa> {
  const d = dir ?? (await mkdtemp(path.join(tmpdir(), 'quill-test-ca-')));
  const f = (n: string) => path.join(d, n);
  await openssl('req', '-x509', ...EC, '-days', '2', '-subj', '/CN=Quill test CA', '-keyout', f('ca.key'), '-out', f('ca.pem'));
  await writeFile(f('server-ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  return {
    dir: d,
    caFile: f('ca.pem'),
    async issue(name) {
      await openssl('req', ...EC, '-subj', '/CN=127.0.0.1', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`));
      await openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('server-ext.cnf'), '-out', f(`${name}.pem`));
      return { certFile: f(`${name}.pem`), keyFile: f(`${name}.key`) };
    },
  };
}

/** A GET through node:https trusting only `caFile`, as a fetch Response (Node's fetch takes no CA per request). */
export function fetchTrusting(url: string, caFile: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(url, { ca: readFileSync(caFile) }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers }));
      });
    });
    req.on('error', reject);
    req.end();
  });
}
