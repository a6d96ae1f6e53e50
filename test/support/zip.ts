// Opening a zip the way its recipient would (yauzl, a reader nobody here wrote): every entry streamed, SHA-256 computed.
import { createHash } from 'node:crypto';
import yauzl from 'yauzl';

export interface ZipFileEntry {
  name: string;
  size: number;
  sha256: string;
  /** The entry's bytes, when asked to keep them (small text entries). */
  text?: string;
}

/** Every entry of the zip file, hashed as it streams; `keep` names entries whose text is kept too. */
export function readZip(file: string, keep: (name: string) => boolean = () => false): Promise<Map<string, ZipFileEntry>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const out = new Map<string, ZipFileEntry>();
      zip.on('error', reject);
      zip.on('end', () => resolve(out));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          const h = createHash('sha256');
          const chunks: Buffer[] = [];
          const kept = keep(entry.fileName);
          stream.on('data', (c: Buffer) => {
            h.update(c);
            if (kept) chunks.push(c);
          });
          stream.on('error', reject);
          stream.on('end', () => {
            out.set(entry.fileName, { name: entry.fileName, size: entry.uncompressedSize, sha256: h.digest('hex'), ...(kept ? { text: Buffer.concat(chunks).toString('utf8') } : {}) });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}
