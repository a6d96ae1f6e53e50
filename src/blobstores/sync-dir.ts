import { open } from 'node:fs/promises';

/** fsync a directory, so a file just created, linked or renamed in it survives a power cut. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
