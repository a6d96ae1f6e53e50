import { FsBlobStore } from '../../blobstores/fs-store.ts';
import type { Command } from '../../bootstrap.ts';
import { ConfigError } from '../../config/config.ts';

/** The encrypted filesystem store, for rotate-key and migrate-blobs --to fs-encrypted. */
export async function encryptedFsStore(cmd: Command): Promise<FsBlobStore> {
  const s = await (await cmd.stores()).open('fs');
  if (!(s instanceof FsBlobStore)) throw new ConfigError('not a filesystem store');
  if (!s.keyring) throw new ConfigError('encryption is off (QUILL_FS_ENCRYPTION=false)');
  return s;
}
