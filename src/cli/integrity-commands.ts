import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, publicBaseUrl, type Config } from '../config/config.ts';
import { createLogger, openDatabase } from '../bootstrap.ts';
import { systemContext } from '../domain/principal.ts';
import { urlSigningKey } from '../auth/keys.ts';
import { createBlobStore } from '../blobstores/create-blob-store.ts';
import { BlobStoreRegistry } from '../blobstores/store-registry.ts';
import { FsBlobStore } from '../blobstores/fs-store.ts';
import { encryptFsInPlace } from '../jobs/encrypt-fs.ts';
import { rotateKeys } from '../blobstores/encryption/rotate-key.ts';
import { verifyAuditChain } from '../audit/audit-chain.ts';
import type { BlobStore, BlobStoreKind } from '../domain/ports.ts';
import { scrub, type ScrubProgress } from '../integrity/scrubber.ts';
import { repairFlagged } from '../integrity/repair.ts';
import { duration, mib } from './progress.ts';

/** Commands for integrity at rest: scrub, audit verify, rotate-key, migrate-blobs --to fs-encrypted. */

const logger = (cfg: Config) => createLogger(cfg.logLevel === 'info' ? 'warn' : cfg.logLevel, 2);
const deps = async (cfg: Config) => ({ signingKey: await urlSigningKey(cfg), baseUrl: () => publicBaseUrl(cfg) });
const closeStore = (s: BlobStore | undefined) => (s as { destroy?: () => void } | undefined)?.destroy?.();

/** A terminal gets one redrawn line (at most every 100 ms); anything else a plain line every 5 s. */
function liner(render: () => string) {
  const tty = Boolean(process.stderr.isTTY);
  let at = 0;
  return {
    tick() {
      const now = Date.now();
      if (now - at < (tty ? 100 : 5000)) return;
      at = now;
      process.stderr.write(tty ? `\r\x1b[2K${render().slice(0, (process.stderr.columns ?? 100) - 1)}` : `${render()}\n`);
    },
    done() {
      process.stderr.write(tty ? `\r\x1b[2K${render()}\n` : `${render()}\n`);
    },
  };
}

export async function runScrub(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { rate: { type: 'string' }, json: { type: 'boolean' }, repair: { type: 'boolean' } }, strict: true });
  const rate = values.rate === undefined ? 0 : Number(values.rate);
  if (!(rate >= 0)) {
    process.stderr.write('usage: quill-docstore scrub [--rate <MiB/s>] [--json] [--repair]\n');
    return 2;
  }
  const cfg = loadConfig();
  const log = logger(cfg);
  const d = await deps(cfg);
  const live = await createBlobStore(cfg, cfg.blobStore, d);
  const blobs = new BlobStoreRegistry(live, (kind) => createBlobStore(cfg, kind, d));
  const db = await openDatabase(cfg, log, { command: true });
  try {
    let p: ScrubProgress | null = null;
    const line = liner(() =>
      p ? `scrub: ${p.versions} versions, ${mib(p.bytes)} verified (${mib(p.bytes / Math.max(0.001, (Date.now() - p.startedAt) / 1000))}/s), ${p.failures} failures; store holds ${p.totalVersions} versions, ${mib(p.totalBytes)}` : 'scrub: starting',
    );
    const report = await scrub(db.sql, blobs, log, { rateMiBs: rate, waitForLock: true, onProgress: (x) => ((p = x), line.tick()) });
    if (!values.json) line.done();
    const repairs = values.repair ? await repairFlagged(db.sql, blobs, log) : [];
    const stillFlagged = values.repair ? repairs.filter((r) => !r.repaired).length : report.flagged.length;
    const problems = report.findings.filter((f) => f.problem === 'error').length;
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ...report, repairs })}\n`);
    } else {
      const secs = report.elapsedMs / 1000;
      const lines = [
        `scrub: ${report.versions} versions re-read and checked against PostgreSQL, ${mib(report.bytes)} verified in ${duration(secs)} (${mib(report.bytes / Math.max(secs, 0.001))}/s)${report.passComplete ? '; pass complete' : ''}`,
        ...report.findings.map((f) => `  ${f.problem.toUpperCase().padEnd(10)} ${f.documentId} v${f.version} ${f.store}:${f.key}: ${f.detail}`),
        `  ${report.flagged.length} version(s) quarantined (downloads refused)${report.flagged.length && !values.repair ? ': run quill-docstore scrub --repair' : ''}`,
        ...(values.repair ? repairs.map((r) => `  ${r.repaired ? 'REPAIRED' : 'NOT REPAIRED'} ${r.documentId} v${r.version}: ${r.detail}`) : []),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return (values.repair ? stillFlagged || problems : report.findings.length || report.flagged.length) ? 1 : 0;
  } finally {
    await db.close();
    closeStore(live);
  }
}

export async function runAuditVerify(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { from: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const from = values.from === undefined ? 1 : Number(values.from);
  if (!Number.isSafeInteger(from) || from < 1) {
    process.stderr.write('usage: quill-docstore audit verify [--from <chain position>] [--json]\n');
    return 2;
  }
  const cfg = loadConfig();
  const log = logger(cfg);
  const store = await createBlobStore(cfg, cfg.blobStore, await deps(cfg));
  const db = await openDatabase(cfg, log, { command: true });
  try {
    const r = await verifyAuditChain(db.sql, store, { from });
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
    await db.close();
    closeStore(store);
  }
}

async function fsStore(cfg: Config): Promise<FsBlobStore> {
  const s = await createBlobStore(cfg, 'fs' as BlobStoreKind, await deps(cfg));
  if (!(s instanceof FsBlobStore)) throw new ConfigError('not a filesystem store');
  if (!s.keyring) throw new ConfigError('encryption is off (QUILL_FS_ENCRYPTION=false)');
  return s;
}

export async function runRotateKey(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, 'keep-key': { type: 'boolean' }, retire: { type: 'boolean' } }, strict: true });
  const cfg = loadConfig();
  const store = await fsStore(cfg);
  const keyring = store.keyring!;
  // With a key file, a new key is generated and put first (the old ones stay, for decryption) unless --keep-key
  // (resume an interrupted rotation). With QUILL_FS_KEK the operator has already set the new key there.
  if (keyring.kind !== 'env' && !values['keep-key']) {
    await keyring.addNewCurrent();
    process.stderr.write(`rotate-key: new key-encryption key ${keyring.current.id.toString('hex')} added to ${keyring.source.file}\n`);
  } else if (keyring.kind === 'env' && keyring.all.length < 2) {
    process.stderr.write('rotate-key: with QUILL_FS_KEK, set the new key in QUILL_FS_KEK and the old one(s) in QUILL_FS_KEK_PREVIOUS (restart the services with them first), then run rotate-key\n');
  }
  let last = { pass: 0, seen: 0, rewrapped: 0, current: 0, plaintext: 0, failed: 0 };
  const line = liner(() => `rotate-key: pass ${last.pass}, ${last.seen} objects seen, ${last.rewrapped} re-wrapped, ${last.current} already current, ${last.failed} failed`);
  const r = await rotateKeys(store, (p) => ((last = p), line.tick()));
  if (!values.json) line.done();
  let retired = 0;
  if (values.retire && r.failures.length === 0) retired = await keyring.retireOld();
  if (values.json) process.stdout.write(`${JSON.stringify({ ...r, retired })}\n`);
  else
    process.stdout.write(
      `rotate-key: every object's data key is now wrapped by ${r.kekId} (${r.rewrapped} re-wrapped, ${r.current} already, ${r.plaintext} plain files not encrypted: see migrate-blobs --to fs-encrypted) in ${duration(r.elapsedMs / 1000)}\n` +
        r.failures.map((f) => `  FAILED ${f.key}: ${f.reason}\n`).join('') +
        (retired ? `  ${retired} old key(s) removed from ${keyring.source.file}\n` : keyring.all.length > 1 ? `  the old key(s) stay in the keyring for decryption; remove them with rotate-key --keep-key --retire once every service has picked up the new key\n` : ''),
    );
  return r.failures.length ? 1 : 0;
}

export async function runEncryptFs(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  if (values.from !== 'fs' || values.to !== 'fs-encrypted') {
    process.stderr.write('usage: quill-docstore migrate-blobs --from fs --to fs-encrypted [--json]\n');
    return 2;
  }
  const cfg = loadConfig();
  const log = logger(cfg);
  const store = await fsStore(cfg);
  const db = await openDatabase(cfg, log, { command: true });
  try {
    let last = { total: 0, encrypted: 0, alreadyEncrypted: 0, failed: 0, bytes: 0 };
    const line = liner(() => `migrate-blobs fs → fs-encrypted: ${last.total} versions, ${last.encrypted} encrypted (${mib(last.bytes)}), ${last.alreadyEncrypted} already, ${last.failed} failed`);
    const r = await encryptFsInPlace(db.sql, store, log, systemContext('migrate-blobs'), (p) => ((last = { ...p, failed: p.failed.length }), line.tick()));
    if (!values.json) line.done();
    process.stdout.write(
      values.json
        ? `${JSON.stringify(r)}\n`
        : `migrate-blobs fs → fs-encrypted: ${r.total} versions; ${r.encrypted} encrypted in place (SHA-256 verified before and after), ${r.alreadyEncrypted} already encrypted, ${r.failed.length} failed\n` +
            r.failed.map((f) => `  ${f.documentId} v${f.version} ${f.key}: ${f.reason}\n`).join(''),
    );
    return r.failed.length ? 1 : 0;
  } finally {
    await db.close();
  }
}
