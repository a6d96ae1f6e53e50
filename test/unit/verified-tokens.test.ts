// The verifier remembers tokens it has verified (src/auth/verifier.ts): what it remembers must never outlive the
// token, must not be shared between requests, and must never let a different (forged) token through.
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createVerifier } from '../../src/auth/verifier.ts';

const secret = Buffer.alloc(32, 7);
const opts = { issuer: 'iss', audience: 'aud', rolesClaim: 'roles', secret };
const sign = (claims: Record<string, unknown>, exp: number, key: Uint8Array = secret) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('iss').setAudience('aud').setSubject('dr.a').setExpirationTime(exp).sign(key);
const code = (p: Promise<unknown>) => p.then(() => 'accepted', (e: { code?: string }) => e.code);

afterEach(() => vi.useRealTimers());

describe('verified tokens', () => {
  it('hands each request its own copy of the principal', async () => {
    const verify = createVerifier(opts);
    const token = await sign({ roles: ['clinician'], patients: ['9434765919'] }, Math.floor(Date.now() / 1000) + 600);
    const first = await verify(token);
    first.breakGlass = 'emergency';
    const second = await verify(token);
    expect(second).toEqual({ sub: 'dr.a', roles: ['clinician'], patients: ['9434765919'] });
    expect(second.breakGlass).toBeUndefined();
  });

  it('refuses a token once it has expired, although it was verified (and remembered) before', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = Date.now();
    const verify = createVerifier(opts);
    const token = await sign({ roles: ['clinician'] }, Math.floor(now / 1000) + 20);
    expect(await code(verify(token))).toBe('accepted');
    vi.setSystemTime(now + 55_000); // past exp and jose's 30 s clock tolerance, but within the cache's minute
    expect(await code(verify(token))).toBe('invalid_token');
  });

  it('still refuses a token signed with another key, and a tampered copy of a remembered one', async () => {
    const verify = createVerifier(opts);
    const exp = Math.floor(Date.now() / 1000) + 600;
    const good = await sign({ roles: ['clinician'] }, exp);
    expect(await code(verify(good))).toBe('accepted');
    expect(await code(verify(await sign({ roles: ['admin'] }, exp, Buffer.alloc(32, 8))))).toBe('invalid_token');
    const [h, , sig] = good.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ iss: 'iss', aud: 'aud', sub: 'dr.a', exp, roles: ['admin'] })).toString('base64url')}.${sig}`;
    expect(await code(verify(forged))).toBe('invalid_token');
  });
});
