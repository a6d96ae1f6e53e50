import { ConfigError } from '../config/config.ts';
import { AppError } from '../domain/errors.ts';
import { reportFailure, stackOf } from './failure.ts';
import { HELP } from './help.ts';

/**
 * Every command, by name: each lives in commands/ and builds what it needs with bootstrap's openCommand. Each is loaded
 * when it runs, so a command loads only its own code (`start` above all: its start-up time counts).
 */
const COMMANDS: Record<string, (args: string[]) => Promise<number> | number> = {
  start: async () => (await import('./commands/start.ts')).start(),
  token: async (a) => (await import('./commands/token.ts')).token(a),
  reconcile: async (a) => (await import('./commands/reconcile.ts')).runReconcile(a),
  audit: async (a) => (await import('./commands/audit.ts')).audit(a),
  scrub: async (a) => (await import('./commands/scrub.ts')).runScrub(a),
  rescan: async (a) => (await import('./commands/rescan.ts')).runRescan(a),
  'rotate-key': async (a) => (await import('./commands/rotate-key.ts')).runRotateKey(a),
  migrate: async () => (await import('./commands/migrate.ts')).runMigrate(),
  doctor: async (a) => (await import('./commands/doctor.ts')).runDoctorCommand(a),
  'migrate-blobs': async (a) => (await import('./commands/migrate-blobs.ts')).runMigrateBlobs(a),
  import: async (a) => (await import('./commands/import.ts')).runImportCommand(a),
  export: async (a) => (await import('./commands/export.ts')).runExportCommand(a),
  backup: async (a) => (await import('./commands/backup.ts')).backupCommand(a),
  restore: async (a) => (await import('./commands/restore.ts')).restoreCommand(a),
  'verify-restore': async (a) => (await import('./commands/verify-restore.ts')).verifyRestoreCommand(a),
  config: async () => (await import('./commands/config.ts')).printConfig(),
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
