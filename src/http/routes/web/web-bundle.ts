import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from 'pino';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../web');

/** Where `npm run build:web` (vite, run by npm install's prepare and by npm start when stale) puts the page. */
export const WEB_DIST = path.join(WEB, 'dist');

/** The newest modification time under dir (0 when it is missing: a deployment without the page's sources). */
async function newest(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const times = await Promise.all(entries.map(async (e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : (await stat(path.join(dir, e.name))).mtimeMs)));
  return Math.max(0, ...times);
}

/**
 * `npm start` (only: a service started otherwise serves what is built): builds the page with vite when web/dist is
 * missing or older than its sources (npm install already built it through `prepare`; this covers a checkout that
 * skipped that, or edited sources). It runs beside the rest of start-up, which it rarely delays: a check is a few stats.
 */
export async function ensureWebBuilt(log: Logger): Promise<void> {
  const built = await stat(path.join(WEB_DIST, 'index.html')).then((s) => s.mtimeMs, () => null);
  const sources = Math.max(await stat(path.join(WEB, 'index.html')).then((s) => s.mtimeMs, () => 0), ...(await Promise.all([path.join(WEB, 'src'), path.join(WEB, '..', 'client', 'src')].map(newest))));
  if (built !== null && built >= sources) return;
  log.info('building the web page (vite)');
  await promisify(execFile)(process.execPath, [path.join(WEB, '..', 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(WEB, 'vite.config.ts')], { maxBuffer: 16 * 1024 * 1024 });
}
