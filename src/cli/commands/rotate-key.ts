import { parseArgs } from 'node:util';
import type { FsBlobStore } from '../../blobstores/fs-store.ts';
import { rotateKeys } from '../../blobstores/encryption/rotate-key.ts';
import { openCommand } from '../../bootstrap.ts';
import { duration, statusLine } from '../progress.ts';
import { encryptedFsStore } from './fs-store.ts';

/** `rotate-key [--keep-key] [--retire] [--json]`: re-wraps every object's data key under a new key-encryption key. */
export async function runRotateKey(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, 'keep-key': { type: 'boolean' }, retire: { type: 'boolean' } }, strict: true });
  const cmd = openCommand('rotate-key');
  try {
    return await rotate(await encryptedFsStore(cmd), values);
  } finally {
    await cmd.close();
  }
}

async function rotate(store: FsBlobStore, values: { json?: boolean | undefined; 'keep-key'?: boolean | undefined; retire?: boolean | undefined }): Promise<number> {
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
  const line = statusLine(() => `rotate-key: pass ${last.pass}, ${last.seen} objects seen, ${last.rewrapped} re-wrapped, ${last.current} already current, ${last.failed} failed`, { plainEveryMs: 5000, final: true });
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
