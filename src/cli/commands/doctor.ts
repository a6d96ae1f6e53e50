import { parseArgs } from 'node:util';
import { openCommand } from '../../bootstrap.ts';
import { BLOB_STORE_KINDS, isBlobStoreKind, type BlobStoreKind } from '../../domain/ports.ts';
import { runDoctor } from '../../jobs/doctor.ts';
import { openNamedStore } from './named-store.ts';

/** `doctor [--store <kind>] [--json]`: every readiness check of the database and a blob store, with fixes. */
export async function runDoctorCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, store: { type: 'string' } }, strict: true });
  const cmd = openCommand('doctor');
  const { cfg } = cmd;
  const kind = (values.store ?? cfg.blobStore) as BlobStoreKind;
  if (!isBlobStoreKind(kind)) {
    process.stderr.write(`usage: quill-docstore doctor [--store ${BLOB_STORE_KINDS.join('|')}] [--json]\n`);
    return 2;
  }
  try {
    const store = await openNamedStore(cmd, kind);
    const report = await runDoctor(cfg, store, cmd.log);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ store: kind, ...report })}\n`);
    } else {
      const width = Math.max(...report.checks.map((c) => c.name.length));
      process.stdout.write(`quill-docstore doctor (database, ${kind} store)\n`);
      for (const c of report.checks) {
        process.stdout.write(`  ${c.ok ? (c.warning ? 'WARN' : 'ok  ') : 'FAIL'}  ${c.name.padEnd(width)}  ${c.detail}\n`);
        if ((!c.ok || c.warning) && c.fix) process.stdout.write(`        ${' '.repeat(width)}  fix: ${c.fix}\n`);
      }
      const failed = report.checks.filter((c) => !c.ok).length;
      process.stdout.write(failed ? `${failed} of ${report.checks.length} checks failed\n` : `all ${report.checks.length} checks passed\n`);
      if (failed && kind !== 'fs' && cfg.allowUnversioned) process.stdout.write('note: QUILL_ALLOW_UNVERSIONED=true is set (development only)\n');
    }
    return report.ok ? 0 : 1;
  } finally {
    await cmd.close();
  }
}
