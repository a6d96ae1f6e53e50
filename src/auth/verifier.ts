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
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as Uint8Array, { issuer: o.issuer, audience: o.audience, algorithms, clockTolerance: 30, requiredClaims: ['sub', 'exp'] }));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_JWKS_TIMEOUT' || code === 'ERR_JOSE_GENERIC') throw new AppError('storage_unavailable', 'the identity provider keys could not be fetched', { layer: 'auth' }, { retryAfter: 5 });
      throw new AppError('invalid_token', code === 'ERR_JWT_EXPIRED' ? 'the token has expired' : 'the token could not be verified');
    }
    return toPrincipal(payload, o.rolesClaim);
  };
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
