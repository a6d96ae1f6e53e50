/**
 * Crash-point injection for the crash-recovery tests: with NODE_ENV=test and QUILL_FAULT_INJECT naming a point,
 * the process kills itself there with SIGKILL, exactly as a power cut would. Inert otherwise.
 */
export type FaultPoint = 'after-intent' | 'after-blob' | 'after-commit';

export function faultPoint(point: FaultPoint): void {
  if (process.env.NODE_ENV === 'test' && process.env.QUILL_FAULT_INJECT === point) process.kill(process.pid, 'SIGKILL');
}
