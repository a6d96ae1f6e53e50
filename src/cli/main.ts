import { ConfigError } from '../config/config.ts';
import { AppError } from '../domain/errors.ts';
import { audit } from './commands/audit.ts';
import { backupCommand } from './commands/backup.ts';
import { printConfig } from './commands/config.ts';
import { runDoctorCommand } from './commands/doctor.ts';
import { runExportCommand } from './commands/export.ts';
import { runImportCommand } from './commands/import.ts';
import { runMigrate } from './commands/migrate.ts';
import { runMigrateBlobs } from './commands/migrate-blobs.ts';
import { runReconcile } from './commands/reconcile.ts';
import { restoreCommand } from './commands/restore.ts';
import { runRotateKey } from './commands/rotate-key.ts';
import { runScrub } from './commands/scrub.ts';
import { runRescan } from './commands/rescan.ts';
import { start } from './commands/start.ts';
import { token } from './commands/token.ts';
import { verifyRestoreCommand } from './commands/verify-restore.ts';
import { reportFailure, stackOf } from './failure.ts';
import { HELP } from './help.ts';

/** Every command, by name: each lives in commands/ and builds what it needs with bootstrap's openCommand. */
const COMMANDS: Record<string, (args: string[]) => Promise<number> | number> = {
  start: () => start(),
  token,
  reconcile: runReconcile,
  audit,
  scrub: runScrub,
  rescan: runRescan,
  'rotate-key': runRotateKey,
  migrate: () => runMigrate(),
  doctor: runDoctorCommand,
  'migrate-blobs': runMigrateBlobs,
  import: runImportCommand,
  export: runExportCommand,
  backup: backupCommand,
  restore: restoreCommand,
  'verify-restore': verifyRestoreCommand,
  config: () => printConfig(),
};

/** Returns the process exit code. */
export async function main(argvIn: string[]): Promise<number> {
  const debug = argvIn.includes('--debug');
  const argv = argvIn.filter((a) => a !== '--debug');
  const [command = 'help', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(HELP);
    return 0;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command]! : null;
  if (!run) {
    process.stderr.write(`unknown command "${command}"\n\n${HELP}`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 78; // EX_CONFIG
    }
    if (e instanceof AppError) {
      process.stderr.write(`${e.message}\n`);
      if (debug && e.cause) process.stderr.write(`${stackOf(e.cause)}\n`);
      return e.code === 'storage_unavailable' ? 69 : e.code === 'insufficient_storage' ? 73 : 1; // EX_UNAVAILABLE, EX_CANTCREAT
    }
    if (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    return reportFailure(e, debug);
  }
}
