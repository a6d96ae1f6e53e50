import type { Command } from '../../bootstrap.ts';
import { ConfigError } from '../../config/config.ts';
import type { BlobStore } from '../../domain/ports.ts';

/** The store a command names (or the live one): one that cannot be built is a configuration error, exit 78. */
export async function openNamedStore(cmd: Command, name: string): Promise<BlobStore> {
  const notConfigured = (which: string) => (e: Error): never => {
    throw new ConfigError(`the ${which} store is not configured: ${e.message}`);
  };
  const stores = await cmd.stores().catch(notConfigured(cmd.cfg.blobStore));
  return stores.open(name).catch(notConfigured(name));
}
