import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Every file below `root` (a blob store's directory), as paths relative to it, sorted; none when it does not exist. */
export async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(dir, e.name));
      else out.push(path.relative(root, path.join(dir, e.name)));
    }
  };
  await walk(root);
  return out.sort();
}
