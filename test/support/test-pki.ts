// A throwaway certificate authority for tests, made with the openssl CLI: a CA certificate and server certificates it
// signs for 127.0.0.1 and localhost. Clients under test trust only that CA (QUILL_S3_CA_BUNDLE and the like).
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
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
