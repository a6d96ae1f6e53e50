// npm start runs this first: builds the page with vite when web/dist is missing or older than its sources (npm
// install already built it through `prepare`; this covers a checkout that skipped that, or edited sources).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const built = path.join(here, 'dist', 'index.html');
const newest = (dir: string): number =>
  Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs)));
const sources = [path.join(here, 'src'), path.join(here, '..', 'client', 'src')];
const stale = !existsSync(built) || Math.max(statSync(path.join(here, 'index.html')).mtimeMs, ...sources.map(newest)) > statSync(built).mtimeMs;
if (stale) {
  process.stdout.write('building the web page (vite)…\n');
  execFileSync(process.execPath, [path.join(here, '..', 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(here, 'vite.config.ts')], { stdio: 'inherit' });
}
