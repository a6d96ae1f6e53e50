import { BackupDamaged, describeWindow, RestoreRefused } from '../../backup/restore.ts';
import { PgToolsError } from '../../backup/pg-tools.ts';
import { BackupBusyError } from '../../backup/take-backup.ts';
import { WalChainError } from '../../backup/wal-check.ts';

/** Errors these commands explain themselves: message on stderr, exit 1 (75 when another backup holds the lock). */
export async function guarded(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof BackupBusyError) {
      process.stderr.write(`${e.message}\n`);
      return 75; // EX_TEMPFAIL
    }
    if (e instanceof RestoreRefused || e instanceof WalChainError || e instanceof PgToolsError || e instanceof BackupDamaged) {
      process.stderr.write(`${e.message}\n`);
      if (e instanceof RestoreRefused && e.window.earliest) process.stderr.write(`restorable window: ${describeWindow(e.window)}\n`);
      return 1;
    }
    throw e;
  }
}
