import type { StoreCheck } from '../domain/ports.ts';
import type { ClamdScanner } from './clamd.ts';
import { eicarTestFile } from './eicar.ts';

export const SCANNING_OFF = 'malware scanning is off (QUILL_CLAMD_URL is not set): uploads are stored unscanned and recorded as not-scanned';

/**
 * `doctor`'s malware scanner findings: whether scanning is on at all (said plainly when it is not), clamd reachable
 * and naming its signatures, the EICAR test file found (signatures really loaded), and clamd's StreamMaxLength at least
 * QUILL_MAX_UPLOAD_BYTES (a larger upload would be refused 413 as unscannable, never stored unscanned).
 */
export async function scannerChecks(scanner: ClamdScanner | null, maxUploadBytes: number, whenDown: 'refuse' | 'hold'): Promise<StoreCheck[]> {
  if (!scanner) return [{ name: 'scanner', ok: true, warning: true, detail: SCANNING_OFF, fix: 'set QUILL_CLAMD_URL=tcp://host:3310 or unix:/run/clamav/clamd.ctl (docs/operations.md, Malware scanning)' }];
  const checks: StoreCheck[] = [];
  try {
    await scanner.ping();
    const id = await scanner.identity();
    checks.push({
      name: 'scanner.clamd',
      ok: true,
      detail: `${id.scanner} at ${scanner.where}, signatures ${id.signatureVersion ?? 'of unreported version (a private database? rescans on signature updates need the version)'}; while it is down uploads are ${whenDown === 'refuse' ? 'refused (503)' : 'held pending'} (QUILL_SCAN_WHEN_DOWN=${whenDown})`,
    });
  } catch (e) {
    return [{ name: 'scanner.clamd', ok: false, detail: `clamd at ${scanner.where} does not answer: ${(e as Error).message}; uploads are ${whenDown === 'refuse' ? 'refused (503 scanner_unavailable)' : 'held pending'} until it does`, fix: 'start clamd (systemctl start clamav-daemon) or correct QUILL_CLAMD_URL' }];
  }
  const s = scanner.scan();
  await s.write(eicarTestFile());
  s.end();
  const v = await s.verdict;
  checks.push(
    v.result === 'infected'
      ? { name: 'scanner.signatures', ok: true, detail: `the EICAR test file is found (${v.signature})` }
      : { name: 'scanner.signatures', ok: false, detail: `the EICAR test file is not found (${v.result === 'clean' ? 'clamd says it is clean' : v.reason}): clamd has no usable signatures`, fix: 'run freshclam (and keep it running) so clamd loads the ClamAV signature databases' },
  );
  try {
    checks.push(
      (await scanner.takesStreamOf(maxUploadBytes))
        ? { name: 'scanner.stream-limit', ok: true, detail: `clamd takes streams of QUILL_MAX_UPLOAD_BYTES (${maxUploadBytes} bytes)` }
        : {
            name: 'scanner.stream-limit',
            ok: false,
            detail: `clamd's StreamMaxLength is below QUILL_MAX_UPLOAD_BYTES (${maxUploadBytes} bytes): larger uploads would be refused 413 as too large to scan`,
            fix: `set StreamMaxLength, MaxScanSize and MaxFileSize in clamd.conf to at least ${maxUploadBytes} (clamd takes at most 4294967295), or lower QUILL_MAX_UPLOAD_BYTES`,
          },
    );
  } catch (e) {
    checks.push({ name: 'scanner.stream-limit', ok: false, detail: `could not ask clamd: ${(e as Error).message}` });
  }
  return checks;
}
