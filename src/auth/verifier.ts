import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AppError } from '../domain/errors.ts';
import type { Principal } from '../domain/principal.ts';

export interface VerifierOptions {
  issuer: string;
  audience: string;
  rolesClaim: string;
  /** HS256 shared secret (embedded mode / tests). */
  secret?: Buffer | undefined;
  /** An OIDC provider's key set. */
  jwksUrl?: string | undefined;
}

export type TokenVerifier = (token: string) => Promise<Principal>;

const asymmetric = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];

/** Verifies signature, issuer, audience, expiry (and nbf) with jose, then reads sub, roles and patients. */
export function createVerifier(o: VerifierOptions): TokenVerifier {
  const key: Uint8Array | JWTVerifyGetKey = o.jwksUrl ? createRemoteJWKSet(new URL(o.jwksUrl)) : new Uint8Array(o.secret ?? []);
  if (!o.jwksUrl && (!o.secret || o.secret.length < 32)) throw new Error('a JWT secret of at least 32 bytes or a JWKS URL is required');
  const algorithms = o.jwksUrl ? asymmetric : ['HS256'];
  const verified = new VerifiedTokens();
  return async (token) => {
    const known = verified.get(token);
    if (known) return known;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as Uint8Array, { issuer: o.issuer, audience: o.audience, algorithms, clockTolerance: 30, requiredClaims: ['sub', 'exp'] }));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_JWKS_TIMEOUT' || code === 'ERR_JOSE_GENERIC') throw new AppError('storage_unavailable', 'the identity provider keys could not be fetched', { layer: 'auth' }, { retryAfter: 5 });
      throw new AppError('invalid_token', code === 'ERR_JWT_EXPIRED' ? 'the token has expired' : 'the token could not be verified');
    }
    const principal = toPrincipal(payload, o.rolesClaim);
    verified.set(token, principal, payload.exp! * 1000);
    return { ...principal };
  };
}

/**
 * Tokens verified in the last minute. A client sends the same bearer token with every request until it expires, and
 * verifying it again each time (jose, on WebCrypto: an async job and key handling per call) was the largest single
 * CPU cost of issuing a download URL. An entry lives until the token's `exp` or for VERIFIED_TTL_MS, whichever comes
 * first, so a key withdrawn from the JWKS stops being honoured within that minute; only successes are remembered, and
 * each hit returns a fresh copy (the request adds its break-glass reason to it). Hand-written: a Map in insertion
 * order is the whole of it, and the bound (MAX_VERIFIED, oldest out) keeps a flood of distinct tokens from growing it.
 */
const VERIFIED_TTL_MS = 60_000;
const MAX_VERIFIED = 10_000;

class VerifiedTokens {
  readonly #entries = new Map<string, { principal: Principal; until: number }>();

  get(token: string): Principal | null {
    const e = this.#entries.get(token);
    if (!e) return null;
    if (Date.now() >= e.until) {
      this.#entries.delete(token);
      return null;
    }
    return { ...e.principal };
  }

  set(token: string, principal: Principal, expiresAt: number): void {
    if (this.#entries.size >= MAX_VERIFIED) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(token, { principal, until: Math.min(expiresAt, Date.now() + VERIFIED_TTL_MS) });
  }
}

function toPrincipal(payload: JWTPayload, rolesClaim: string): Principal {
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub === '') throw new AppError('invalid_token', 'the token has no subject');
  const roles = claimList(payload[rolesClaim]);
  const patients = payload.patients === undefined ? null : claimList(payload.patients);
  return { sub, roles, patients };
}

/** A list claim; a single string is accepted as a one-item list, anything else makes it empty. */
function claimList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}
