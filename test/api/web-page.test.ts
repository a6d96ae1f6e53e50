// What the service serves for the page: the built page at /, its settings, and the development sign-in, which
// exists only while the embedded development secret signs tokens (and whose refusal is audited).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIST } from '../../src/http/routes/web/web-bundle.ts';
import { PATIENT } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const devToken = (s: TestServer, body: unknown) => fetch(`${s.baseUrl}/v1/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('with the embedded development secret', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ QUILL_JWT_SECRET: '' }); // '' = unset: the development secret in the data directory
  }, 60_000);
  afterAll(async () => s?.close());

  it.skipIf(!existsSync(path.join(WEB_DIST, 'index.html')) && process.env.CI !== 'true')('serves the page at / and its assets', async () => {
    const page = await fetch(`${s.baseUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('Quill Document Store');
    const script = /src="(\/static\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeTruthy();
    expect((await fetch(`${s.baseUrl}${script}`)).status).toBe(200);
    expect((await fetch(`${s.baseUrl}/assets/images/nhsuk-icon-cross.svg`)).status).toBe(200);
  });

  it('offers development sign-in and mints a working token for the chosen user, role and patients', async () => {
    const cfg = await (await fetch(`${s.baseUrl}/ui/config.json`)).json();
    expect(cfg).toMatchObject({ devSignIn: true, oidc: null, rolesClaim: 'roles' });
    const r = await devToken(s, { sub: 'dr.page', role: 'clinician', patients: [PATIENT] });
    expect(r.status).toBe(200);
    const { token } = await r.json();
    const mine = await fetch(`${s.baseUrl}/v1/documents?patient=${PATIENT}`, { headers: { authorization: `Bearer ${token}` } });
    expect(mine.status).toBe(200);
    const other = await fetch(`${s.baseUrl}/v1/documents?patient=9434765870`, { headers: { authorization: `Bearer ${token}` } });
    expect(other.status).toBe(403);
    expect((await devToken(s, { sub: 'x', role: 'clinician', patients: ['9434765918'] })).status).toBe(400);
    expect((await devToken(s, { sub: 'x', role: 'superuser' })).status).toBe(400);
    const [minted] = await s.sql`select actor, roles, outcome from audit_events where action = 'auth' and detail->>'devSignIn' = 'true'`;
    expect(minted).toMatchObject({ actor: 'dr.page', roles: ['clinician'], outcome: 'success' });
  });
});

describe('development sign-in from another machine', () => {
  let s: TestServer;
  beforeAll(async () => {
    // behind a trusted proxy the client address is the forwarded one, as it would be for a remote browser
    s = await startTestServer({ QUILL_JWT_SECRET: '', QUILL_TRUST_PROXY: 'true' });
  }, 60_000);
  afterAll(async () => s?.close());

  it('is refused (403, audited): only clients on this machine get development tokens', async () => {
    const r = await fetch(`${s.baseUrl}/v1/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' }, body: JSON.stringify({ sub: 'mallory', role: 'admin' }) });
    expect(r.status).toBe(403);
    expect((await r.json()).code).toBe('forbidden');
    const rows = await s.sql`select outcome, error_code, client_ip from audit_events where action = 'auth' and detail->>'route' = '/v1/dev/token'`;
    expect(rows).toEqual([{ outcome: 'denied', error_code: 'forbidden', client_ip: '203.0.113.9' }]);
    expect((await devToken(s, { sub: 'dr.local', role: 'clinician' })).status).toBe(200); // this machine still may
  });
});

describe('with an external secret (as with an identity provider)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ QUILL_OIDC_ISSUER: 'https://login.example.nhs.uk/realms/quill', QUILL_OIDC_CLIENT_ID: 'quill-page' });
  }, 60_000);
  afterAll(async () => s?.close());

  it('refuses development sign-in, audits the refusal, and points the page at the identity provider', async () => {
    const r = await devToken(s, { sub: 'mallory', role: 'admin' });
    expect(r.status).toBe(403);
    expect((await r.json()).code).toBe('forbidden');
    const rows = await s.sql`select outcome, error_code from audit_events where action = 'auth' and detail->>'route' = '/v1/dev/token'`;
    expect(rows).toEqual([{ outcome: 'denied', error_code: 'forbidden' }]);
    const cfg = await (await fetch(`${s.baseUrl}/ui/config.json`)).json();
    expect(cfg).toMatchObject({ devSignIn: false, oidc: { issuer: 'https://login.example.nhs.uk/realms/quill', clientId: 'quill-page' } });
  });
});
