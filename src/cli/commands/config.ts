import { loadConfig, type Config } from '../../config/config.ts';

/** `config`: the configuration as the service reads it, secrets shown only as set. */
export function printConfig(): number {
  const cfg: Config = loadConfig();
  const hide = (v: string | null) => (v ? '[set]' : null);
  const shown = {
    ...cfg,
    databaseUrl: hide(cfg.databaseUrl),
    urlSigningKey: hide(cfg.urlSigningKey),
    fsEncryption: { ...cfg.fsEncryption, kek: hide(cfg.fsEncryption.kek), kekPrevious: cfg.fsEncryption.kekPrevious.map(() => '[set]') },
    stores: cfg.stores.map((s) => (s.kind === 's3' ? { ...s, secretAccessKey: hide(s.secretAccessKey ?? null) } : s.kind === 'azure' ? { ...s, connectionString: hide(s.connectionString) } : s)),
    fhir: { ...cfg.fhir, token: hide(cfg.fhir.token), basicAuth: hide(cfg.fhir.basicAuth) },
    jwt: { ...cfg.jwt, secret: hide(cfg.jwt.secret) },
    valueSet: `${cfg.valueSet.types.length} types, ${cfg.valueSet.categories.length} categories`,
  };
  process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
  return 0;
}
