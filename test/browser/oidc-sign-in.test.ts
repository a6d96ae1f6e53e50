/// <reference lib="dom" />
// The page's sign-in through a real OpenID Connect identity provider: Keycloak 26 (test-servers/keycloak/install.sh,
// from Maven Central) with a realm made the way a trust would configure one for this service: a public client for the
// page (authorization code + PKCE S256), an audience mapper naming the service, realm roles as the `roles` claim. The
// service verifies the provider's tokens through its JWKS (QUILL_JWKS_URL), in real Chromium.
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keycloakScript, startKeycloak, type Keycloak } from '../support/keycloak.ts';
import { OTHER_PATIENT, PATIENT } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const CHROMIUM = process.env.QUILL_CHROMIUM ?? '/usr/bin/chromium';
const KC = keycloakScript();
const available = existsSync(CHROMIUM) && KC !== null;
if (!available && process.env.CI) throw new Error(`needs ${CHROMIUM} and Keycloak (test-servers/keycloak/install.sh; .ci/servers runs it)`);
if (!available) console.warn('[oidc sign-in] skipping: Chromium or Keycloak (test-servers/keycloak/install.sh) is missing');

const AUDIENCE = 'quill-docstore';
const PASSWORD = randomBytes(12).toString('base64url');
let kc: Keycloak;
let s: TestServer;
let browser: Browser;
let issuer: string;

/**
 * The realm a trust would set up: roles, the page's public client, and a confidential client of another system. Its
 * users are created once the realm's user profile declares the `patients` attribute (users()).
 */
const realm = () => ({
  realm: 'quill',
  enabled: true,
  // short-lived access tokens, as a trust may set them: the page renews them a minute before they expire
  accessTokenLifespan: 65,
  roles: { realm: ['clinician', 'auditor', 'records-manager', 'admin'].map((name) => ({ name })) },
  clients: [
    {
      clientId: 'quill-page',
      publicClient: true,
      standardFlowEnabled: true,
      directAccessGrantsEnabled: false,
      redirectUris: ['http://127.0.0.1/registered-once-the-service-listens'],
      attributes: { 'pkce.code.challenge.method': 'S256' },
      protocolMappers: [
        { name: 'service audience', protocol: 'openid-connect', protocolMapper: 'oidc-audience-mapper', config: { 'included.custom.audience': AUDIENCE, 'access.token.claim': 'true', 'id.token.claim': 'false' } },
        { name: 'roles', protocol: 'openid-connect', protocolMapper: 'oidc-usermodel-realm-role-mapper', config: { 'claim.name': 'roles', multivalued: 'true', 'jsonType.label': 'String', 'access.token.claim': 'true', 'id.token.claim': 'false', 'userinfo.token.claim': 'false' } },
        // the NHS numbers a user is limited to, from a user attribute (declared in the realm's user profile below)
        { name: 'patients', protocol: 'openid-connect', protocolMapper: 'oidc-usermodel-attribute-mapper', config: { 'user.attribute': 'patients', 'claim.name': 'patients', multivalued: 'true', 'jsonType.label': 'String', 'access.token.claim': 'true', 'id.token.claim': 'false', 'userinfo.token.claim': 'false' } },
      ],
    },
    // another system of the trust: its tokens are real and signed by the same keys, but not meant for this service
    { clientId: 'other-system', publicClient: false, secret: 'other-system-secret', serviceAccountsEnabled: true, standardFlowEnabled: false },
  ],
});

const users = [
  { username: 'olivia', firstName: 'Olivia', lastName: 'Okafor', roles: ['clinician'] },
  { username: 'sam', firstName: 'Sam', lastName: 'Scoped', roles: ['clinician'], patients: [PATIENT] },
  { username: 'nobody', firstName: 'Norm', lastName: 'Role', roles: [] },
];

beforeAll(async () => {
  if (!available) return;
  kc = await startKeycloak(KC!);
  await kc.admin('POST', '/admin/realms', realm());
  // declare `patients` in the user profile (Keycloak keeps only declared attributes), editable by admins only
  const profile = (await (await kc.admin('GET', '/admin/realms/quill/users/profile')).json()) as { attributes: Record<string, unknown>[] };
  profile.attributes.push({ name: 'patients', displayName: 'NHS numbers this user is limited to', multivalued: true, permissions: { view: ['admin'], edit: ['admin'] } });
  await kc.admin('PUT', '/admin/realms/quill/users/profile', profile);
  const roles = (await (await kc.admin('GET', '/admin/realms/quill/roles')).json()) as { id: string; name: string }[];
  for (const u of users) {
    await kc.admin('POST', '/admin/realms/quill/users', {
      username: u.username,
      enabled: true,
      firstName: u.firstName,
      lastName: u.lastName,
      email: `${u.username}@example.nhs.uk`,
      emailVerified: true,
      credentials: [{ type: 'password', value: PASSWORD, temporary: false }],
      ...(u.patients ? { attributes: { patients: u.patients } } : {}),
    });
    if (u.roles.length) await kc.admin('POST', `/admin/realms/quill/users/${await userId(u.username)}/role-mappings/realm`, roles.filter((r) => u.roles.includes(r.name)));
  }
  issuer = `${kc.baseUrl}/realms/quill`;
  s = await startTestServer({
    QUILL_JWT_SECRET: '',
    QUILL_JWKS_URL: `${issuer}/protocol/openid-connect/certs`,
    QUILL_JWT_ISSUER: issuer,
    QUILL_JWT_AUDIENCE: AUDIENCE,
    QUILL_OIDC_ISSUER: issuer,
    QUILL_OIDC_CLIENT_ID: 'quill-page',
  });
  // register the page's exact redirect URI and origin, as docs/page.md asks (http://<host>/)
  const [client] = (await (await kc.admin('GET', '/admin/realms/quill/clients?clientId=quill-page')).json()) as Record<string, unknown>[];
  await kc.admin('PUT', `/admin/realms/quill/clients/${client!.id as string}`, {
    ...client,
    redirectUris: [`${s.baseUrl}/`],
    webOrigins: [s.baseUrl],
    attributes: { ...(client!.attributes as Record<string, string>), 'post.logout.redirect.uris': `${s.baseUrl}/` },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
  await kc?.stop();
});

/** The provider's id of a realm user: the `sub` of their tokens. */
async function userId(username: string): Promise<string> {
  const [user] = (await (await kc.admin('GET', `/admin/realms/quill/users?username=${username}&exact=true`)).json()) as { id: string }[];
  return user!.id;
}

/** The access tokens the page sends to the API, in the order it sends them (collected as the page runs). */
function bearerTokens(page: Page): string[] {
  const tokens: string[] = [];
  page.on('request', (r) => {
    const a = r.headers().authorization;
    if (a && r.url().startsWith(`${s.baseUrl}/v1/`)) tokens.push(a.replace(/^Bearer /, ''));
  });
  return tokens;
}

/** Signs in at Keycloak's own login page, from the page's "Sign in with your organisation" button. */
async function signInAtProvider(page: Page, username: string): Promise<void> {
  await page.goto(`${s.baseUrl}/#/sign-in`);
  await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
  await page.waitForURL((u) => u.href.startsWith(`${issuer}/protocol/openid-connect/auth`));
  expect(new URL(page.url()).searchParams.get('code_challenge_method')).toBe('S256');
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(PASSWORD);
  await page.locator('#kc-login').click();
  await page.waitForURL((u) => u.href.startsWith(s.baseUrl));
}

describe.skipIf(!available)('signing in to the page through Keycloak (OpenID Connect, code + PKCE)', () => {
  it('a clinician signs in at the identity provider, and the page calls the API with its token', async () => {
    const page = await browser.newPage({ locale: 'en-GB' });
    const bearer = bearerTokens(page);
    await signInAtProvider(page, 'olivia');
    await page.getByText('Signed in as').waitFor();
    const account = await page.locator('#account').innerText();
    expect(account).toContain('Olivia Okafor');
    expect(account).not.toContain('patients');
    expect(account).toContain('(clinician)'); // not Keycloak's own default roles
    // the code and state are gone from the address bar
    expect(new URL(page.url()).search).toBe('');

    await page.getByLabel('NHS number').fill(PATIENT);
    await page.getByRole('button', { name: 'Find documents' }).click();
    await page.getByRole('heading', { level: 1, name: /Documents for NHS number/ }).waitFor();
    await page.locator('#documents, #no-documents').first().waitFor();
    expect(await page.locator('.nhsuk-error-summary').count()).toBe(0);

    // the API saw Keycloak's access token: its user (the provider's subject id) is in the audit trail
    expect(bearer.length).toBeGreaterThan(0);
    const token = bearer[0]!;
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { iss: string; aud: string | string[]; sub: string; azp: string };
    expect(claims).toMatchObject({ iss: issuer, azp: 'quill-page' });
    expect([claims.aud].flat()).toContain(AUDIENCE);
    const olivia = await userId('olivia');
    expect(claims.sub).toBe(olivia);
    const [row] = await s.sql`select actor, roles, outcome from audit_events where action = 'document.list' order by id desc limit 1`;
    expect(row).toMatchObject({ actor: olivia, outcome: 'success' });
    expect(row!.roles).toContain('clinician');

    // never kept in the browser's storage
    const stored = await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie);
    expect(stored).not.toContain(token);
    await page.close();
  });

  it('renews the access token before it expires and uses the new one on the next request', async () => {
    const page = await browser.newPage({ locale: 'en-GB' });
    const bearer = bearerTokens(page);
    await signInAtProvider(page, 'olivia');
    await page.getByText('Signed in as').waitFor();
    await page.getByLabel('NHS number').fill(PATIENT);
    await page.getByRole('button', { name: 'Find documents' }).click();
    await page.locator('#documents, #no-documents').first().waitFor();
    const first = bearer.at(-1)!;
    // 65 s tokens: renewal with the refresh token about 5 s after sign-in
    const renewed = await page.waitForResponse((r) => r.url() === `${issuer}/protocol/openid-connect/token` && (r.request().postData() ?? '').includes('grant_type=refresh_token'), { timeout: 30_000 });
    expect(renewed.status()).toBe(200);
    const fresh = ((await renewed.json()) as { access_token: string }).access_token;
    expect(fresh).not.toBe(first);
    // the next API request carries the renewed token (the page keeps it in memory only)
    const next = page.waitForRequest((r) => r.url().startsWith(`${s.baseUrl}/v1/documents?`));
    await page.getByRole('button', { name: 'Apply filters' }).click();
    expect((await next).headers().authorization).toBe(`Bearer ${fresh}`);
    await page.locator('#documents, #no-documents').first().waitFor();
    expect(await page.locator('.nhsuk-error-summary').count()).toBe(0);
    await page.close();
  });

  it('signing out ends the session at the identity provider too: the next person at the workstation must sign in', async () => {
    const page = await browser.newPage({ locale: 'en-GB' });
    await signInAtProvider(page, 'olivia');
    await page.getByText('Signed in as').waitFor();
    // to the provider's logout (which redirects at once, so it is seen as a request), and back to the page, signed out
    const logout = page.waitForRequest((r) => r.url().startsWith(`${issuer}/protocol/openid-connect/logout`));
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(new URL((await logout).url()).searchParams.get('id_token_hint')).toBeTruthy();
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    expect(page.url().startsWith(s.baseUrl)).toBe(true);
    await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
    // without the provider's session ending, this would come straight back signed in as olivia
    await page.waitForURL((u) => u.href.startsWith(`${issuer}/protocol/openid-connect/auth`));
    await page.locator('#password').waitFor();
    expect(await page.locator('#username').inputValue()).toBe('');
    await page.close();
  });

  it('a user the provider limits to some patients (the patients claim) reaches those patients only, audited', async () => {
    const page = await browser.newPage({ locale: 'en-GB' });
    await signInAtProvider(page, 'sam');
    await page.getByText('Signed in as').waitFor();
    expect(await page.locator('#account').innerText()).toContain('patients 943 476 5919');
    await page.getByLabel('NHS number').fill(OTHER_PATIENT);
    await page.getByRole('button', { name: 'Find documents' }).click();
    await page.locator('.nhsuk-error-summary').getByText('You do not have access to this patient’s records').waitFor();
    const [row] = await s.sql`select actor, outcome, error_code from audit_events where action = 'document.list' order by id desc limit 1`;
    expect(row).toMatchObject({ actor: await userId('sam'), outcome: 'denied', error_code: 'patient_forbidden' });
    await page.goto(`${s.baseUrl}/#/patients/${PATIENT}`);
    await page.getByRole('heading', { level: 1, name: /Documents for NHS number/ }).waitFor();
    await page.locator('#documents, #no-documents').first().waitFor();
    expect(await page.locator('.nhsuk-error-summary').count()).toBe(0);
    await page.close();
  });

  it('a user with no role of the service signs in but is told they have no access; the API refuses them, audited', async () => {
    const page = await browser.newPage({ locale: 'en-GB' });
    // the access token the page receives from the provider's token endpoint
    const issued = page.waitForResponse((r) => r.url() === `${issuer}/protocol/openid-connect/token` && r.status() === 200);
    await signInAtProvider(page, 'nobody');
    const token = ((await (await issued).json()) as { access_token: string }).access_token;
    await page.getByRole('heading', { name: 'No access', level: 1 }).waitFor();
    await page.close();
    const refused = await fetch(`${s.baseUrl}/v1/documents?patient=${PATIENT}`, { headers: { authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('forbidden');
    const [row] = await s.sql`select actor, action, outcome, error_code from audit_events order by id desc limit 1`;
    expect(row).toMatchObject({ actor: await userId('nobody'), action: 'document.list', outcome: 'denied', error_code: 'forbidden' });
  });

  it('a real token from the same provider but for another system (wrong audience) is refused with 401, audited', async () => {
    const res = await fetch(`${issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'other-system', client_secret: 'other-system-secret' }),
    });
    expect(res.status).toBe(200);
    const other = ((await res.json()) as { access_token: string }).access_token;
    const refused = await fetch(`${s.baseUrl}/v1/documents?patient=${PATIENT}`, { headers: { authorization: `Bearer ${other}` } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const [row] = await s.sql`select action, outcome, error_code from audit_events order by id desc limit 1`;
    expect(row).toMatchObject({ action: 'auth', outcome: 'denied' });
  });
});
