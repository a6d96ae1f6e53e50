import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Config } from '../config/config.ts';
import type { Sql } from '../db/sql.ts';
import type { BlobStores } from '../domain/ports.ts';
import * as versions from '../documents/repository.ts';
import type { UploadScanning } from '../documents/upload-scan.ts';
import { sleep } from '../integrity/scrubber.ts';
import { ClamdScanner } from './clamd.ts';
import { rescan } from './rescan.ts';
import { SCANNING_OFF } from './scanner-checks.ts';

/** First background step this long after start, so start-up and short-lived instances are not slowed. */
const START_DELAY_MS = 60_000;
/** How often clamd's signature version is asked and pending uploads looked for. */
const POLL_MS = 60_000;
/** Versions per background step (each step takes the rescan lock, so the `rescan` command can step in between). */
const STEP_VERSIONS = 50;

/** The scanner QUILL_CLAMD_URL names, or null when scanning is off. */
export const scannerFromConfig = (cfg: Config): ClamdScanner | null => (cfg.scan.clamdUrl ? new ClamdScanner(cfg.scan.clamdUrl, cfg.scan.timeoutMs) : null);

/** What uploads scan with (QUILL_CLAMD_URL, QUILL_SCAN_WHEN_DOWN), counting finds with onDetected; null when scanning is off. */
export function uploadScanning(cfg: Config, onDetected: () => void = () => undefined, scanner: ClamdScanner | null = scannerFromConfig(cfg)): UploadScanning | null {
  return scanner ? { scanner, whenDown: cfg.scan.whenDown, onDetected } : null;
}

/**
 * The service's side of malware scanning: what uploads scan with (documents/upload-scan.ts), the background rescans,
 * the /readyz layer `malware-scanner` and the /metrics series. In the background, once clamd answers, versions held
 * `pending` are scanned, and (when clamd reports its signature version, as it does with the ClamAV databases) every
 * version whose last scan used other signatures is scanned again, at QUILL_SCRUB_RATE (4 MiB/s when that is 0), one
 * instance at a time (the rescan lock).
 */
export function startScanning(sql: Sql, blobs: BlobStores, log: Logger, cfg: Config, opts: { startDelayMs?: number; pollMs?: number } = {}) {
  const detected = new Counter({ name: 'quill_malware_detected_total', help: 'Malware found: in uploads (refused, never stored) and by rescans of stored versions (quarantined)', labelNames: ['found'] as const, registers: [] });
  const stopper = new AbortController();
  const scanner = scannerFromConfig(cfg);
  const uploads = uploadScanning(cfg, () => detected.inc({ found: 'upload' }), scanner);

  let loop: Promise<void> = Promise.resolve();
  if (scanner) {
    const rateMiBs = cfg.integrity.scrubRate > 0 ? cfg.integrity.scrubRate : 4;
    let cursor: { documentId: string; version: number } | null = null;
    loop = (async () => {
      await sleep(opts.startDelayMs ?? START_DELAY_MS, stopper.signal);
      while (!stopper.signal.aborted) {
        try {
          const id = await scanner.identity();
          const sel = id.signatureVersion ? { notScannedWith: id.signatureVersion } : { pendingOnly: true };
          const r = await rescan(sql, blobs, scanner, log, { ...sel, rateMiBs, signal: stopper.signal, maxVersions: STEP_VERSIONS, after: cursor, onFound: () => detected.inc({ found: 'rescan' }) });
          cursor = r.complete ? null : r.cursor;
          if (!r.ran || r.complete || r.scannerUnavailable) await sleep(opts.pollMs ?? POLL_MS, stopper.signal);
        } catch (e) {
          // a failed step (the database failing over, clamd down) costs nothing but the wait: the loop goes on
          log.warn({ err: e }, 'background malware rescan step failed; retrying in a minute');
          await sleep(opts.pollMs ?? POLL_MS, stopper.signal);
        }
      }
    })();
  }

  let cached: Promise<{ infected: number; pending: number }> | null = null;
  const totals = () => (cached ??= versions.scanTotals(sql).finally(() => setTimeout(() => (cached = null), 1000).unref()));

  // a readiness check as the HTTP layer takes it (structurally: this folder does not import http)
  const readiness = {
    name: 'malware-scanner',
    required: false as boolean,
    check: async (): Promise<Record<string, unknown>> => {
      if (!scanner) return { scanning: 'off', detail: SCANNING_OFF };
      const t = await totals();
      const held = t.pending ? `; ${t.pending} version(s) held pending a scan` : '';
      if (t.infected > 0) throw new Error(`${t.infected} document version(s) found to contain malware by a rescan are quarantined (quill-docstore rescan --json lists them)${held}`);
      let id;
      try {
        await scanner.ping();
        id = await scanner.identity();
      } catch (e) {
        throw new Error(`clamd at ${scanner.where} is unavailable (${(e as Error).message}): uploads are ${cfg.scan.whenDown === 'refuse' ? 'refused with 503 scanner_unavailable' : 'stored pending and served to nobody until scanned'}${held}`);
      }
      return { scanning: 'on', scanner: id.scanner, signatureVersion: id.signatureVersion, whenDown: cfg.scan.whenDown, infected: 0, pending: t.pending };
    },
  };

  const metrics = (registry: Registry) => {
    registry.registerMetric(detected);
    const g = (name: string, help: string, pick: (t: { infected: number; pending: number }) => number) =>
      new Gauge({ name, help, registers: [registry], collect: async function () { this.set(pick(await totals())); } });
    g('quill_malware_quarantined_versions', 'Stored versions a rescan found infected: downloads refused, bytes kept', (t) => t.infected);
    g('quill_scan_pending_versions', 'Versions stored while the scanner was down (QUILL_SCAN_WHEN_DOWN=hold), served to nobody until scanned', (t) => t.pending);
    new Gauge({ name: 'quill_malware_scanning_enabled', help: '1 when uploads are scanned for malware (QUILL_CLAMD_URL set), 0 when not', registers: [registry], collect: function () { this.set(scanner ? 1 : 0); } });
  };

  return {
    uploads,
    readiness,
    metrics,
    stop: async () => {
      stopper.abort();
      await loop;
    },
  };
}
