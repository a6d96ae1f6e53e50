import type { Logger } from 'pino';
import type { VersionScan } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';
import type { MalwareScanner, ScanVerdict } from '../domain/ports.ts';
import { ScanTap, scannerUnavailable, tooLargeToScan } from './scan-tap.ts';

/** Malware scanning at the door, as uploads see it (bootstrap.ts builds it from QUILL_CLAMD_URL; null: off). */
export interface UploadScanning {
  scanner: MalwareScanner;
  /** QUILL_SCAN_WHEN_DOWN: refuse (503 scanner_unavailable) or hold (stored pending, served to nobody). */
  whenDown: 'refuse' | 'hold';
  /** An upload was refused for malware (the Prometheus counter). */
  onDetected(): void;
}

export const NOT_SCANNED: VersionScan = { scanStatus: 'not-scanned', scanner: null, signatureVersion: null, scannedAt: null, malware: null };

/** The tap that streams an upload's bytes to the scanner, or null when scanning is off. */
export const scanTapFor = (s: UploadScanning | null): ScanTap | null => (s ? new ScanTap(s.scanner.scan(), { failFast: s.whenDown === 'refuse' }) : null);

/** What an upload's stored bytes are to the uploader: its file name and hash, for the malware refusal's audit row. */
export interface ScannedFile {
  filename: string | null;
  sha256: string;
  size: number;
}

/**
 * The verdict, applied before the commit (the caller has removed nothing yet): clean → the version records it;
 * infected → 422 malware_detected, audited with the file and the signature; too large to scan → 413; the scanner
 * unavailable → 503 scanner_unavailable (refuse) or the version stored `pending` (hold). Never clean without a verdict.
 * Throws for every refusal: the caller removes the bytes.
 */
export function applyVerdict(s: UploadScanning, v: ScanVerdict, file: ScannedFile, log: Logger): VersionScan {
  switch (v.result) {
    case 'clean':
      return { scanStatus: 'clean', scanner: v.scanner, signatureVersion: v.signatureVersion, scannedAt: new Date(), malware: null };
    case 'infected':
      s.onDetected();
      log.warn({ signature: v.signature, sha256: file.sha256, size: file.size }, 'malware found in an upload; not stored');
      throw new AppError('malware_detected', `malware was found in this file (${v.signature}); it was not stored`, { signature: v.signature }, {
        auditDetail: { filename: file.filename, sha256: file.sha256, size: file.size, signature: v.signature, scanner: v.scanner, signatureVersion: v.signatureVersion },
      });
    case 'too-large':
      throw tooLargeToScan(v.reason);
    case 'unavailable':
      log.warn({ reason: v.reason, whenDown: s.whenDown }, s.whenDown === 'hold' ? 'malware scanner unavailable; upload held unscanned (pending)' : 'malware scanner unavailable; upload refused');
      if (s.whenDown === 'refuse') throw scannerUnavailable(v.reason);
      return { ...NOT_SCANNED, scanStatus: 'pending' };
  }
}
