import type { Config } from '../../config/config.ts';
import { Keyring } from './keyring.ts';

/** The fs store's keyring from configuration; null when encryption is off (QUILL_FS_ENCRYPTION=false). */
export async function fsKeyring(cfg: Config): Promise<Keyring | null> {
  const e = cfg.fsEncryption;
  if (!e.enabled) return null;
  return Keyring.load({ kek: e.kek, previous: e.kekPrevious, file: e.kekFile, generate: e.kekFileIsDefault });
}
