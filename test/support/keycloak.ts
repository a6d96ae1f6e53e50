// Keycloak, a real OpenID Connect identity provider, for the page's sign-in test: started on loopback in development
// mode (its own H2 database in a temp dir), with a realm created through its admin REST API. Installed from Maven
// Central by test-servers/keycloak/install.sh; never installed here.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, spawnServer, waitUntil } from './process.ts';

export const KEYCLOAK_INSTALL_SCRIPT = fileURLToPath(new URL('../../test-servers/keycloak/install.sh', import.meta.url));

/** The cached kc.sh, or null when test-servers/keycloak/install.sh has not run. */
export function keycloakScript(): string | null {
  try {
    return execFileSync(KEYCLOAK_INSTALL_SCRIPT, ['--check'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop() || null;
  } catch {
    return null;
  }
}

export interface Keycloak {
  baseUrl: string;
  /** Calls the admin REST API (`/admin/realms…`) as the bootstrap admin; fails on a non-2xx answer. */
  admin(method: string, p: string, body?: unknown): Promise<Response>;
  stop(): Promise<void>;
}

export async function startKeycloak(kcScript: string, timeoutMs = 180_000): Promise<Keycloak> {
  const [port, management] = await freePorts(2);
  const dir = await mkdtemp(path.join(tmpdir(), 'quill-keycloak-'));
  const password = randomBytes(12).toString('base64url');
  const server = spawnServer(
    'keycloak',
    kcScript,
    ['start-dev', '--http-host=127.0.0.1', `--http-port=${port}`, `--http-management-port=${management}`, `--db-url=jdbc:h2:file:${dir}/keycloakdb;NON_KEYWORDS=VALUE`],
    { env: { ...process.env, KC_BOOTSTRAP_ADMIN_USERNAME: 'admin', KC_BOOTSTRAP_ADMIN_PASSWORD: password, JAVA_OPTS_APPEND: '-XX:TieredStopAtLevel=1' } },
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await server.stop(20_000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(server, 'its master realm answered', async () => (await fetch(`${baseUrl}/realms/master/.well-known/openid-configuration`)).ok, timeoutMs, 500);
  } catch (e) {
    await stop();
    throw e;
  }
  /** An access token of the master realm's bootstrap admin (fetched per call: it lives a minute). */
  const adminToken = async () => {
    const res = await fetch(`${baseUrl}/realms/master/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: 'admin', password }),
    });
    if (!res.ok) throw new Error(`keycloak admin token: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const admin = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}${p}`, {
      method,
      headers: { authorization: `Bearer ${await adminToken()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`keycloak ${method} ${p}: ${res.status} ${await res.text()}`);
    return res;
  };
  return { baseUrl, admin, stop };
}
