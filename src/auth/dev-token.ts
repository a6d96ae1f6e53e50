import { SignJWT } from 'jose';

export interface DevTokenRequest {
  sub: string;
  roles: string[];
  patients?: string[] | undefined;
  expiresIn?: string | undefined; // e.g. '8h'
}

/** Mints an HS256 development token, signed with the embedded secret. */
export async function mintDevToken(secret: Buffer, o: { issuer: string; audience: string; rolesClaim: string }, r: DevTokenRequest): Promise<string> {
  const claims: Record<string, unknown> = { [o.rolesClaim]: r.roles };
  if (r.patients?.length) claims.patients = r.patients;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(r.sub)
    .setIssuer(o.issuer)
    .setAudience(o.audience)
    .setIssuedAt()
    .setExpirationTime(r.expiresIn ?? '8h')
    .sign(new Uint8Array(secret));
}
