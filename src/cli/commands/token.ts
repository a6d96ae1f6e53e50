import { parseArgs } from 'node:util';
import { mintDevToken } from '../../auth/dev-token.ts';
import { externalIdentityProvider, jwtSecret } from '../../auth/keys.ts';
import { loadConfig } from '../../config/config.ts';
import { isValidNhsNumber } from '../../domain/nhs-number.ts';
import { Roles } from '../../domain/principal.ts';

/** `token`: a development token signed with the embedded secret (refused where an identity provider is configured). */
export async function token(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { sub: { type: 'string' }, role: { type: 'string', multiple: true }, patient: { type: 'string', multiple: true }, expires: { type: 'string' } },
    strict: true,
  });
  const cfg = loadConfig();
  if (externalIdentityProvider(cfg)) {
    process.stderr.write('refused: an external identity provider is configured (QUILL_JWKS_URL or QUILL_JWT_SECRET); get tokens from it\n');
    return 1;
  }
  const roles = values.role ?? [];
  const bad = roles.filter((r) => !(Roles as readonly string[]).includes(r));
  if (!values.sub || roles.length === 0 || bad.length) {
    process.stderr.write(`usage: quill-docstore token --sub <user> --role <${Roles.join('|')}> [--patient <NHS number>]\n`);
    return 2;
  }
  const badPatients = (values.patient ?? []).filter((p) => !isValidNhsNumber(p));
  if (badPatients.length) {
    process.stderr.write(`not valid NHS numbers: ${badPatients.join(', ')}\n`);
    return 2;
  }
  const secret = (await jwtSecret(cfg))!;
  process.stdout.write(`${await mintDevToken(secret, cfg.jwt, { sub: values.sub, roles, patients: values.patient, expiresIn: values.expires })}\n`);
  return 0;
}
