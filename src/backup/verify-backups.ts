import type { Config } from '../config/config.ts';
import { backupDataDir, listBackups, listWal } from './catalog.ts';
import { ensurePgTools } from './pg-tools.ts';
import { runTool } from './run-tool.ts';
import { listHistories, recoveryTimeline } from './timelines.ts';
import { checkWalChain, type WalCheck } from './wal-check.ts';

export interface VerifyBackupsReport {
  ok: boolean;
  backups: { id: string; kind: string; ok: boolean; detail: string }[];
  wal: ({ ok: true } & WalCheck) | { ok: false; detail: string; segment: string | null };
}

/** `backup verify`: pg_verifybackup on every kept backup, and the archived WAL from the oldest one on: no gap, every record readable. */
export async function verifyBackups(cfg: Config, onStep: (m: string) => void = () => undefined): Promise<VerifyBackupsReport> {
  const bin = await ensurePgTools({ log: onStep });
  const backups = await listBackups(cfg.backup);
  const report: VerifyBackupsReport = { ok: true, backups: [], wal: { ok: false, detail: 'no backup', segment: null } };
  for (const m of backups) {
    onStep(`pg_verifybackup ${m.id}`);
    try {
      // also parses the WAL the backup carries (taken with -X stream) from its start to its end
      await runTool(bin, 'pg_verifybackup', ['-q', backupDataDir(cfg.backup, m.id)]);
      report.backups.push({ id: m.id, kind: m.kind, ok: true, detail: 'backup successfully verified' });
    } catch (e) {
      report.backups.push({ id: m.id, kind: m.kind, ok: false, detail: (e as Error).message });
    }
  }
  const first = backups.find((m) => m.kind === 'full');
  if (first) {
    onStep(`archived WAL from ${first.startWal}`);
    try {
      const wal = await listWal(cfg.backup);
      // to the newest timeline: across every failover since that backup
      const path = recoveryTimeline(await listHistories(cfg.backup), wal, first);
      report.wal = { ok: true, ...(await checkWalChain(cfg.backup, bin, first, wal, path)) };
    } catch (e) {
      report.wal = { ok: false, detail: (e as Error).message, segment: (e as { segment?: string }).segment ?? null };
    }
  }
  report.ok = backups.length > 0 && report.backups.every((b) => b.ok) && report.wal.ok;
  return report;
}
