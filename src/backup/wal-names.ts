/** WAL segment names and LSNs (16 MB segments, PostgreSQL's default and the embedded server's). */
export const SEGMENT_BYTES = 16n * 1024n * 1024n;
const SEGS_PER_ID = 0x100000000n / SEGMENT_BYTES;

export const isSegmentName = (name: string): boolean => /^[0-9A-F]{24}$/.test(name);

export function parseLsn(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]+)\/([0-9A-Fa-f]+)$/.exec(lsn.trim());
  if (!m) throw new Error(`not an LSN: ${lsn}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

export const segnoOfLsn = (lsn: string): bigint => parseLsn(lsn) / SEGMENT_BYTES;

export function segmentName(tli: number, segno: bigint): string {
  const hex = (n: bigint | number) => n.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(tli)}${hex(segno / SEGS_PER_ID)}${hex(segno % SEGS_PER_ID)}`;
}

export function parseSegmentName(name: string): { tli: number; segno: bigint } {
  return { tli: parseInt(name.slice(0, 8), 16), segno: BigInt(`0x${name.slice(8, 16)}`) * SEGS_PER_ID + BigInt(`0x${name.slice(16, 24)}`) };
}
