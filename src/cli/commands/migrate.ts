import { openCommand } from '../../bootstrap.ts';

/** `migrate`: applies the database migrations (opening the database does), and says which. */
export async function runMigrate(): Promise<number> {
  const cmd = openCommand('migrate', { verbose: true });
  try {
    await cmd.db();
    return 0;
  } finally {
    await cmd.close();
  }
}
