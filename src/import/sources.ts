import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { isAppError } from '../domain/errors.ts';
import type { BlobStore } from '../domain/ports.ts';
import { RowRefused } from './rows.ts';

/** A row's bytes, opened: the stream, its length where known (large ones are hashed off-thread), a file name. */
export interface SourceFile {
  body: Readable;
  size: number | null;
  filename: string;
}

/** Where a row's path points: a file under the root directory, or `s3://bucket/key` in a configured store. */
export interface Sources {
  open(rowPath: string): Promise<SourceFile>;
}

/**
 * root: the directory relative paths are under (they may not leave it). storeOfBucket: the configured store whose S3
 * bucket that is, or null (the bucket is named in configuration, so credentials and endpoint come from there).
 */
export function importSources(root: string, storeOfBucket: (bucket: string) => Promise<BlobStore | null>): Sources {
  const base = path.resolve(root);
  return {
    async open(rowPath) {
      const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(rowPath);
      if (s3) return openObject(storeOfBucket, s3[1]!, s3[2]!);
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rowPath)) throw new RowRefused('invalid_path', 'a path is a file under --root or s3://bucket/key');
      if (path.isAbsolute(rowPath)) throw new RowRefused('invalid_path', 'paths are relative to --root');
      const file = path.resolve(base, rowPath);
      if (file !== base && !file.startsWith(base + path.sep)) throw new RowRefused('invalid_path', 'the path leaves --root');
      return openFile(file);
    },
  };
}

async function openFile(file: string): Promise<SourceFile> {
  const handle = await open(file, 'r').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw new RowRefused('file_not_found', `no file ${file}`);
    throw new RowRefused('file_unreadable', `${file} cannot be read: ${e.code ?? e.message}`);
  });
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new RowRefused('file_unreadable', `${file} is not a regular file`);
    return { body: createReadStream('', { fd: handle }), size: st.size, filename: path.basename(file) };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

async function openObject(storeOfBucket: (bucket: string) => Promise<BlobStore | null>, bucket: string, key: string): Promise<SourceFile> {
  const store = await storeOfBucket(bucket);
  if (!store) throw new RowRefused('invalid_path', `no configured S3 store has the bucket ${bucket} (QUILL_S3_BUCKET or QUILL_STORE_<NAME>_S3_BUCKET)`);
  const body = await store.get(key, null).catch((e: unknown) => {
    if (isAppError(e) && e.code === 'not_found') throw new RowRefused('file_not_found', `no object s3://${bucket}/${key}`);
    throw e;
  });
  return { body, size: null, filename: key.split('/').pop() ?? key };
}
