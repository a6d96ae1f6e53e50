// `npm install` (postinstall) and CI: fetch PostgreSQL's backup tools into the cache now rather than on first backup.
// Never fails the install: without network the service fetches them on first use, and says why if it cannot.
import { ensurePgTools } from '../src/backup/pg-tools.ts';

const strict = process.argv.includes('--strict');
try {
  const bin = await ensurePgTools({ log: (m) => process.stderr.write(`quill-docstore: ${m}\n`) });
  process.stderr.write(`quill-docstore: PostgreSQL backup tools in ${bin}\n`);
} catch (e) {
  process.stderr.write(`quill-docstore: ${(e as Error).message}\n  (backups fetch them again on first use)\n`);
  if (strict) process.exit(1);
}
