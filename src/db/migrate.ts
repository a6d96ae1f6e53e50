import { LOCKS, xactLock } from './advisory-lock.ts';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from './sql.ts';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Applies migrations/NNN_name.sql in order, each in its own transaction, under an advisory lock so several
 * instances starting together do not race. Hand-written: it is twenty lines, and plain SQL files are what a DBA
 * reviews; a migration framework would add a dependency for nothing more.
 */
const migrationFiles = async (): Promise<string[]> => (await readdir(dir)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();

export async function migrate(sql: Sql): Promise<string[]> {
  const files = await migrationFiles();
  const applied: string[] = [];
  await sql.begin(async (tx) => {
    await xactLock(tx, LOCKS.migrate);
    await tx`create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())`;
    const done = new Set((await tx<{ name: string }[]>`select name from schema_migrations`).map((r) => r.name));
    for (const file of files) {
      if (done.has(file)) continue;
      await tx.unsafe(await readFile(path.join(dir, file), 'utf8'));
      await tx`insert into schema_migrations (name) values (${file})`;
      applied.push(file);
    }
  });
  return applied;
}

/** Migration files not yet recorded in schema_migrations (all of them on an empty database). Read-only. */
export async function pendingMigrations(sql: Sql): Promise<{ files: string[]; pending: string[] }> {
  const files = await migrationFiles();
  const [{ exists }] = (await sql<{ exists: boolean }[]>`select to_regclass('schema_migrations') is not null as exists`) as unknown as [{ exists: boolean }];
  const done = exists ? new Set((await sql<{ name: string }[]>`select name from schema_migrations`).map((r) => r.name)) : new Set<string>();
  return { files, pending: files.filter((f) => !done.has(f)) };
}
