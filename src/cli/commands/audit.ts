import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { verifyAuditChain } from '../../audit/audit-chain.ts';
import { AuditService } from '../../audit/audit-service.ts';
import { jwtSecret } from '../../auth/keys.ts';
import { createVerifier } from '../../auth/verifier.ts';
import { openCommand } from '../../bootstrap.ts';
import { publicBaseUrl } from '../../config/config.ts';
import { isValidNhsNumber } from '../../domain/nhs-number.ts';
import { toAuditEvent } from '../../fhir/audit-event.ts';
import { operatorContext } from '../operator.ts';

// NDJSON is the one format, so a bare `audit export` streams it (--ndjson stays accepted: it is a shipped name).
const USAGE =
  'usage: quill-docstore audit export [--ndjson] [--from <ISO time>] [--to <ISO time>] [--patient <NHS number>] [--document <id>] [--token <JWT>]\n' +
  '       quill-docstore audit verify [--from <chain position>] [--json]\n';

/** `audit export …` and `audit verify …`. */
export async function audit(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'export') return auditExport(rest);
  if (sub === 'verify') return auditVerify(rest);
  process.stderr.write(USAGE);
  return 2;
}

/** The trail as FHIR AuditEvents, NDJSON, oldest first, for a SIEM. */
async function auditExport(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ndjson: { type: 'boolean' }, from: { type: 'string' }, to: { type: 'string' }, patient: { type: 'string' }, document: { type: 'string' }, token: { type: 'string' } },
    strict: true,
  });
  const bad = [
    ...(['from', 'to'] as const).filter((k) => values[k] !== undefined && !isIsoTime(values[k]!)).map((k) => `--${k} must be an ISO-8601 date or date-time`),
    ...(values.patient !== undefined && !isValidNhsNumber(values.patient) ? ['--patient must be a valid NHS number'] : []),
    ...(values.document !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(values.document) ? ['--document must be a document id (UUID)'] : []),
  ];
  if (bad.length) {
    process.stderr.write(`${bad.join('\n')}\n${USAGE}`);
    return 2;
  }
  const cmd = openCommand('audit export');
  const { cfg, log } = cmd;
  try {
    // With --token the export runs as that user (permission and patient scope as GET /v1/audit); without one it is an
    // operator's export with the database's own credentials, recorded under the operator's login name. Both are audited.
    const token = values.token ?? process.env.QUILL_TOKEN;
    const principal = token ? await createVerifier({ ...cfg.jwt, secret: await jwtSecret(cfg), jwksUrl: cfg.jwt.jwksUrl ?? undefined })(token) : null;
    const ctx = principal ? { ...cmd.ctx, principal } : operatorContext(cmd, []);
    const { sql } = await cmd.db();
    const base = publicBaseUrl(cfg);
    const q = { from: values.from, to: values.to, patient: values.patient, document: values.document };
    for await (const r of new AuditService(sql, log).export(ctx, q, { trusted: principal === null })) {
      if (!process.stdout.write(`${JSON.stringify(toAuditEvent(r, { odsCode: cfg.odsCode, baseUrl: base }))}\n`)) await once(process.stdout, 'drain');
    }
    return 0;
  } finally {
    await cmd.close();
  }
}

/** Recomputes the audit trail's hash chain and checks it against the anchors in the blob store. */
async function auditVerify(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { from: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const from = values.from === undefined ? 1 : Number(values.from);
  if (!Number.isSafeInteger(from) || from < 1) {
    process.stderr.write('usage: quill-docstore audit verify [--from <chain position>] [--json]\n');
    return 2;
  }
  const cmd = openCommand('audit verify');
  try {
    const r = await verifyAuditChain((await cmd.db()).sql, (await cmd.stores()).live, { from });
    if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else {
      process.stdout.write(
        `audit verify: ${r.rowsChecked} rows checked from position ${r.from} (${r.headRows} written per the chain heads), ${r.anchorsChecked} anchor position(s) checked` +
          `${r.lastAnchor ? ` (last anchor ${r.lastAnchor.at})` : ' (no anchor yet)'}: ${r.ok ? 'the chain is intact' : `${r.breaks.length} break(s)`}\n` +
          r.breaks.map((b, i) => `  ${i === 0 ? 'FIRST ' : ''}${b.kind.toUpperCase()}${b.id ? ` row ${b.id}` : ''}${b.lane !== null ? ` (lane ${b.lane}, position ${b.seq})` : ''}: ${b.detail}\n`).join(''),
      );
    }
    return r.ok ? 0 : 1;
  } finally {
    await cmd.close();
  }
}

/** An ISO-8601 date or date-time that PostgreSQL can hold (years 1–9999) and that names a real day. */
function isIsoTime(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(0);
  day.setUTCFullYear(y, mo - 1, d); // not Date.UTC, which reads years 0–99 as 1900–1999
  return y >= 1 && day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d && !Number.isNaN(Date.parse(v.replace(' ', 'T')));
}
