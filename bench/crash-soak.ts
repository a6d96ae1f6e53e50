// Two hundred crashes (issue 21): service instances on a 3-member Patroni cluster under mixed load (raw, multipart and
// tus uploads, new versions, downloads), a service instance or the PostgreSQL primary SIGKILLed at random instants,
// and after every crash every acknowledged document and version read back with its SHA-256, reconcile run twice (the
// second run must find nothing), the audit chain verified. What it does and checks: test/support/crash-soak.ts.
//
// Run: npm run bench:crash-soak [-- CRASHES [INSTANCES [CLIENTS]]]   (defaults 200 3 6, positional)   (needs test-servers/patroni/install.sh)
// Exits 1 when anything acknowledged was lost, any answer was a 5xx other than 503, or a check failed.
import { formatSoak, runCrashSoak } from '../test/support/crash-soak.ts';

const [crashes = 200, instances = 3, clients = 6] = process.argv.slice(2).map(Number);
if (![crashes, instances, clients].every((n) => Number.isInteger(n) && n > 0)) {
  console.error('usage: npm run bench:crash-soak [-- CRASHES [INSTANCES [CLIENTS]]]   (positive integers; defaults 200 3 6)');
  process.exit(2);
}
const r = await runCrashSoak({ crashes, instances, clients, log: (l) => console.log(l) });
console.log(`\n${formatSoak(r)}`);
const failed = r.lost.length + r.serverErrors.length + r.unexpected.length + r.inconsistencies.length + r.auditBreaks.length;
process.exit(failed ? 1 : 0);
