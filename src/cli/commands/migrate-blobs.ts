import { parseArgs } from 'node:util';
import { requireVersionedStore } from '../../blobstores/startup-gate.ts';
import { openCommand } from '../../bootstrap.ts';
import { BLOB_STORE_KINDS, isBlobStoreKind } from '../../domain/ports.ts';
import { encryptFsInPlace } from '../../jobs/encrypt-fs.ts';
import { migrateBlobs, type MigrateBlobsReport } from '../../jobs/migrate-blobs.ts';
import { duration, mib, progressRenderer, statusLine } from '../progress.ts';
import { encryptedFsStore } from './fs-store.ts';
import { openNamedStore } from './named-store.ts';

/**
 * `migrate-blobs --from <store> --to <store>`: moves every version between stores while the service serves, each copy
 * verified; `--from fs --to fs-encrypted` encrypts the filesystem store in place.
 */
export async function runMigrateBlobs(args: string[]): Promise<number> {
  return args.includes('fs-encrypted') ? encryptFsInPlaceCommand(args) : migrateBetweenStores(args);
}

async function migrateBetweenStores(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { from: { type: 'string' }, to: { type: 'string' }, concurrency: { type: 'string' }, json: { type: 'boolean' }, 'progress-interval': { type: 'string' } },
    strict: true,
  });
  const kinds = `${BLOB_STORE_KINDS.join('|')}|<name in QUILL_STORES>`;
  const usage = `usage: quill-docstore migrate-blobs --from <${kinds}> --to <${kinds}> [--concurrency N] [--json] [--progress-interval <seconds>]\n`;
  const isStoreName = (s: string) => isBlobStoreKind(s) || /^[a-z][a-z0-9-]{0,31}$/.test(s);
  const from = values.from ?? '';
  const to = values.to ?? '';
  const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
  const interval = values['progress-interval'] === undefined ? 5 : Number(values['progress-interval']);
  if (!isStoreName(from) || !isStoreName(to) || from === to || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64 || !(interval > 0)) {
    process.stderr.write(from && from === to ? `--from and --to must differ\n${usage}` : usage);
    return 2;
  }
  const cmd = openCommand('migrate-blobs');
  const { cfg, log } = cmd;
  try {
    const source = await openNamedStore(cmd, from);
    const target = await openNamedStore(cmd, to);
    await source.ping();
    // The target gets the same rule as a live store: versioned (or QUILL_ALLOW_UNVERSIONED=true), and reachable.
    await requireVersionedStore(target, cfg, log, 'migration target');
    await target.ping();
    const { sql } = await cmd.db();
    const progress = progressRenderer(process.stderr, interval * 1000);
    const report = await migrateBlobs(sql, source, target, log, { concurrency, onProgress: (p) => progress.update(p) });
    progress.finish();
    process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : formatMigrateReport(report));
    return report.failed.length ? 1 : 0;
  } finally {
    await cmd.close();
  }
}

function formatMigrateReport(r: MigrateBlobsReport): string {
  const secs = r.elapsedMs / 1000;
  const lines = [
    `migrate-blobs ${r.from} → ${r.to}: ${r.total} versions to move (${mib(r.totalBytes)})`,
    `  copied   ${r.copied}${r.adopted ? ` (${r.adopted} already in ${r.to} from an interrupted run: verified and adopted)` : ''}, every one SHA-256-verified in ${r.to}`,
    `  skipped  ${r.skipped} (already in ${r.to})`,
    `  failed   ${r.failed.length}`,
    ...r.failed.map((f) => `    ${f.documentId} v${f.version} ${f.key}: ${f.reason}`),
    `  ${mib(r.bytes)} in ${duration(secs)} (${mib(r.bytes / Math.max(secs, 0.001))}/s); ${r.remaining} versions left in ${r.from}`,
    `  the ${r.from} copies are kept: remove the old store only once backups and point-in-time restores no longer need it`,
  ];
  if (r.failed.length) lines.push('  re-run the same command to retry the failed versions once the cause is fixed');
  return `${lines.join('\n')}\n`;
}

async function encryptFsInPlaceCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  if (values.from !== 'fs' || values.to !== 'fs-encrypted') {
    process.stderr.write('usage: quill-docstore migrate-blobs --from fs --to fs-encrypted [--json]\n');
    return 2;
  }
  const cmd = openCommand('migrate-blobs');
  try {
    const store = await encryptedFsStore(cmd);
    const { sql } = await cmd.db();
    let last = { total: 0, encrypted: 0, alreadyEncrypted: 0, failed: 0, bytes: 0 };
    const line = statusLine(() => `migrate-blobs fs → fs-encrypted: ${last.total} versions, ${last.encrypted} encrypted (${mib(last.bytes)}), ${last.alreadyEncrypted} already, ${last.failed} failed`, { plainEveryMs: 5000, final: true });
    const r = await encryptFsInPlace(sql, store, cmd.log, cmd.ctx, (p) => ((last = { ...p, failed: p.failed.length }), line.tick()));
    if (!values.json) line.done();
    process.stdout.write(
      values.json
        ? `${JSON.stringify(r)}\n`
        : `migrate-blobs fs → fs-encrypted: ${r.total} versions; ${r.encrypted} encrypted in place (SHA-256 verified before and after), ${r.alreadyEncrypted} already encrypted, ${r.failed.length} failed\n` +
            r.failed.map((f) => `  ${f.documentId} v${f.version} ${f.key}: ${f.reason}\n`).join(''),
    );
    return r.failed.length ? 1 : 0;
  } finally {
    await cmd.close();
  }
}
