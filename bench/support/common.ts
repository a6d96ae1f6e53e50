// Pieces every benchmark here needs: wait for a service, make a test PDF of a given size, time a plain fsynced copy
// (the disk baseline) and a raw-body upload through the API.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls url until it answers 2xx; gives up after attempts × 100 ms. */
export async function waitReady(url: string, attempts: number): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* starting */
    }
    await sleep(100);
  }
  throw new Error(`${url} did not become ready`);
}

/** A file of exactly `size` bytes that starts like a PDF (random after the header), and its SHA-256. */
export async function makePdf(file: string, size: number): Promise<{ file: string; sha256: string }> {
  const out = createWriteStream(file);
  const h = createHash('sha256');
  const head = Buffer.from('%PDF-1.7\n%bench\n');
  out.write(head);
  h.update(head);
  const block = randomBytes(1024 * 1024);
  let left = size - head.length;
  while (left > 0) {
    const chunk = block.subarray(0, Math.min(left, block.length));
    h.update(chunk);
    if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
    left -= chunk.length;
  }
  await new Promise<void>((r, j) => out.end((e?: Error) => (e ? j(e) : r())));
  return { file, sha256: h.digest('hex') };
}

/** cp with fsync: read, write, fsync the copy, on the same disk. Seconds. */
export async function timeCopy(file: string): Promise<number> {
  const target = `${file}.copy`;
  const t = performance.now();
  await pipeline(createReadStream(file), createWriteStream(target));
  const fh = await open(target, 'r');
  await fh.sync();
  await fh.close();
  const s = (performance.now() - t) / 1000;
  await rm(target);
  return s;
}

/** A raw-body upload of a PDF through POST /v1/documents: seconds until the 201, and the new document's id. */
export function timeUpload(base: string, token: string, file: string, size: number): Promise<{ seconds: number; id: string }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const req = http.request(`${base}/v1/documents?patient=9434765919&type=373942005&title=bench`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/pdf', 'content-length': String(size) },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 201 ? resolve({ seconds: (performance.now() - t) / 1000, id: JSON.parse(body).id }) : reject(new Error(`upload ${res.statusCode}: ${body}`))));
    });
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

/** A rate in MiB/s, rounded. */
export function mib(bytesPerSec: number): string {
  return `${(bytesPerSec / 1024 ** 2).toFixed(0)} MiB/s`;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** A Markdown table on stdout. */
export function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${line(head)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}`);
}
