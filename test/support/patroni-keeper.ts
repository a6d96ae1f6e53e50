// Keeps a Patroni cluster (test/support/patroni.ts), and optionally HAProxy in front of it, running until SIGTERM or
// SIGINT, for test-servers/patroni/start.sh and stop.sh (humans, soaks). Its servers die with it, even on SIGKILL.
//
//   node test/support/patroni-keeper.ts STATE_DIR [--haproxy]
//
// Writes STATE_DIR/env (export lines) once the cluster is healthy, and removes it when stopping.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, postgresHAProxyConfig, startHAProxy, type HAProxy } from './haproxy.ts';
import { startPatroniCluster } from './patroni.ts';

const [stateDir, flag] = process.argv.slice(2);
if (!stateDir || (flag !== undefined && flag !== '--haproxy')) {
  process.stderr.write('usage: node test/support/patroni-keeper.ts STATE_DIR [--haproxy]\n');
  process.exit(2);
}
const envFile = join(stateDir, 'env');
const pg = await startPatroniCluster();
let lb: HAProxy | null = null;
let lbPort = 0;
if (flag === '--haproxy') {
  lbPort = await freePort();
  lb = await startHAProxy(postgresHAProxyConfig({ port: lbPort, members: pg.members }));
}
const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
const lines = [
  `export DATABASE_URL=${q(pg.databaseUrl)}`,
  `export QUILL_BACKUP_DATABASE_URL=${q(pg.backupUrl)}`,
  `export QUILL_BACKUP_DIR=${q(pg.backupDir)}`,
  ...(lb ? [`export HAPROXY_DATABASE_URL=${q(pg.appUrl(lbPort))}`, `export HAPROXY_ADMIN_SOCKET=${q(join(lb.dir, 'admin.sock'))}`] : []),
  `export PATRONI_CLUSTER_DIR=${q(pg.dir)}`,
  // name:pg port:REST port:data directory, per member (kill -9 "$(head -1 <data>/postmaster.pid)" fails it over)
  `export PATRONI_MEMBERS=${q(pg.members.map((m) => `${m.name}:${m.pgPort}:${m.restPort}:${m.dataDir}`).join(' '))}`,
  `export PATRONI_ARCHIVE_DIR=${q(pg.archiveDir)}`,
  `export PATRONI_PG_BIN=${q(pg.pgBin)}`,
  `export ETCD_URL=${q(pg.etcdUrl)}`,
];
await writeFile(envFile, `${lines.join('\n')}\n`, { mode: 0o600 });
process.stderr.write(`patroni: cluster ready; source ${envFile}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await rm(envFile, { force: true });
  await lb?.stop();
  await pg.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
setInterval(() => undefined, 1 << 30); // stay alive until signalled
