import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { startAuditAnchoring } from '../audit/audit-chain.ts';
import type { Config } from '../config/config.ts';
import type { Sql } from '../db/sql.ts';
import type { BlobStore, BlobStores } from '../domain/ports.ts';
import { scrub, scrubStatus, sleep, type ScrubStatus } from './scrubber.ts';

/** First background step this long after start, so start-up and short-lived instances are not slowed. */
const START_DELAY_MS = 60_000;

/**
 * The service's side of integrity at rest: the background scrubber at QUILL_SCRUB_RATE (one instance at a time: each
 * step takes the scrub advisory lock), passes started often enough that every byte is re-verified within
 * QUILL_SCRUB_INTERVAL_DAYS (a new pass is due half an interval after the last one started), audit-chain anchoring
 * every QUILL_AUDIT_ANCHOR_INTERVAL seconds, /metrics gauges and the /readyz integrity layer.
 */
export function startIntegrity(sql: Sql, blobs: BlobStores, live: BlobStore, log: Logger, cfg: Config, opts: { startDelayMs?: number; retryMs?: number } = {}) {
  const { scrubRate, scrubIntervalDays, auditAnchorSeconds, auditAnchorRetainDays } = cfg.integrity;
  const stopper = new AbortController();
  const anchoring = startAuditAnchoring(sql, live, log, auditAnchorSeconds, auditAnchorRetainDays);
  let loop: Promise<void> = Promise.resolve();
  if (scrubRate > 0) {
    const halfInterval = (scrubIntervalDays * 86_400_000) / 2;
    loop = (async () => {
      await sleep(opts.startDelayMs ?? START_DELAY_MS, stopper.signal);
      while (!stopper.signal.aborted) {
        try {
          const st = await scrubStatus(sql);
          const due = st.passStartedAt !== null || !st.lastFullPassAt || Date.now() - lastStart(st) >= halfInterval;
          if (!due) {
            await sleep(60_000, stopper.signal);
            continue;
          }
          if (st.passStartedAt === null && st.totalBytes / (scrubRate * 1024 * 1024) > halfInterval / 1000) {
            log.warn({ totalBytes: st.totalBytes, scrubRate, scrubIntervalDays }, 'QUILL_SCRUB_RATE is too low to re-verify every byte within QUILL_SCRUB_INTERVAL_DAYS; raise it');
          }
          const r = await scrub(sql, blobs, log, { rateMiBs: scrubRate, signal: stopper.signal, maxSteps: 50, minPassGapMs: halfInterval });
          if (r.versions === 0 && !r.passComplete) await sleep(30_000, stopper.signal); // another instance holds the lock, or no pass is due
        } catch (e) {
          // a failed step (the database failing over, a store down) costs nothing but the wait: the loop goes on
          log.warn({ err: e }, 'background scrub step failed; retrying in a minute');
          await sleep(opts.retryMs ?? 60_000, stopper.signal);
        }
      }
    })();
  }

  let cached: Promise<ScrubStatus> | null = null;
  const status = () => (cached ??= scrubStatus(sql).finally(() => setTimeout(() => (cached = null), 1000).unref()));

  // a readiness check as the HTTP layer takes it (structurally: this folder does not import http)
  const readiness = {
    name: 'integrity',
    required: false as boolean,
    check: async () => {
      const s = await status();
      if (s.flagged > 0) throw new Error(`${s.flagged} document version(s) failed their integrity check and are quarantined; run quill-docstore scrub --repair`);
      return { flagged: 0, lastFullPassAt: s.lastFullPassAt?.toISOString() ?? null, oldestUnverifiedSeconds: Math.round(s.oldestUnverifiedSeconds) };
    },
  };

  const metrics = (registry: Registry) => {
    const g = (name: string, help: string, pick: (s: ScrubStatus) => number) =>
      new Gauge({ name, help, registers: [registry], collect: async function () { this.set(pick(await status())); } });
    g('quill_scrub_bytes_verified_total', 'Bytes re-read and SHA-256-verified by the integrity scrubber (all passes)', (s) => s.bytesVerified);
    g('quill_scrub_versions_verified_total', 'Document versions re-verified by the integrity scrubber (all passes)', (s) => s.versionsVerified);
    g('quill_scrub_last_full_pass_timestamp_seconds', 'When the last complete scrub pass finished (0: never)', (s) => (s.lastFullPassAt ? s.lastFullPassAt.getTime() / 1000 : 0));
    g('quill_scrub_oldest_unverified_seconds', 'Age of the version verified longest ago (or never verified, counted from its upload)', (s) => s.oldestUnverifiedSeconds);
    g('quill_integrity_failures_total', 'Integrity incidents found (versions flagged) since the store was created', (s) => s.failures);
    g('quill_integrity_quarantined_versions', 'Versions flagged now: downloads refused until repaired', (s) => s.flagged);
  };

  return {
    readiness,
    metrics,
    stop: async () => {
      stopper.abort();
      await loop;
      await anchoring.stop();
    },
  };
}

const lastStart = (s: ScrubStatus) => (s.lastFullPassAt ? s.lastFullPassAt.getTime() : 0);
