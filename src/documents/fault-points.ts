/**
 * Crash-point injection for the crash-recovery tests: with NODE_ENV=test and QUILL_FAULT_INJECT naming a point,
 * the process kills itself there with SIGKILL, exactly as a power cut would. QUILL_FAULT_SKIP=n lets the first n
 * passes through the point go by (e.g. kill migrate-blobs on its second object, after the first was committed).
 * Inert otherwise.
 */
export type FaultPoint = 'after-intent' | 'after-blob' | 'after-commit' | 'migrate-before-commit' | 'migrate-after-commit' | 'disposal-after-bytes';

let hits = 0;

export function faultPoint(point: FaultPoint): void {
  if (process.env.NODE_ENV !== 'test' || process.env.QUILL_FAULT_INJECT !== point) return;
  if (hits++ < Number(process.env.QUILL_FAULT_SKIP ?? 0)) return;
  process.kill(process.pid, 'SIGKILL');
}
