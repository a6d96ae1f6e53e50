// Runs first in the launcher (bin/quill-docstore.js, which `npm start` runs) and in the `postinstall` script, before anything
// imports a .ts file: an older Node fails those with ERR_UNKNOWN_FILE_EXTENSION ".ts" (or a syntax error), which never
// names the version needed. Plain JavaScript that any Node parses. It compares by hand rather than with `semver`
// because it must run before `npm install` has put any dependency in place; it understands the one form
// package.json's "engines" uses, ">=major.minor[.patch]".
import { readFileSync } from 'node:fs';

const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const wanted = engines.node;
const m = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(wanted);
if (!m) throw new Error(`scripts/check-node.js understands only ">=x.y.z" in package.json engines.node, not "${wanted}"`);
const need = m.slice(1).map((n) => Number(n ?? 0));
const have = process.versions.node.split('.').map(Number);
const first = need.findIndex((n, i) => have[i] !== n); // the first part that differs decides
if (first >= 0 && have[first] < need[first]) {
  process.stderr.write(`quill-docstore needs Node.js ${wanted} (package.json "engines"; 24 LTS recommended), but ${process.execPath} is Node.js ${process.versions.node}: put a newer node first on PATH\n`);
  process.exit(1);
}
