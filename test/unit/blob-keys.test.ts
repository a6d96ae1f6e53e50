// The object keys of document versions: new keys are fanned out under documents/<first three hex digits of the
// document id>/, and both that shape and the one from before the fan-out are recognised as the service's own.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DOCUMENT_BLOB_KEY, documentBlobKey } from '../../src/domain/blob-keys.ts';

describe('document blob keys', () => {
  it('fans new keys out by the document id\'s first three hex digits, one file per version (no directory per document)', () => {
    const doc = 'abc12345-0000-4000-8000-000000000001';
    const upload = '00000000-1111-4222-8333-444444444444';
    expect(documentBlobKey(doc, upload)).toBe(`documents/abc/${doc}_${upload}`);
    const fans = new Set(Array.from({ length: 2000 }, () => documentBlobKey(randomUUID(), randomUUID()).split('/')[1]));
    expect(fans.size).toBeGreaterThan(1000); // random ids spread over the 4,096 directories
  });

  it('recognises both the fanned-out keys and the keys written before the fan-out, and nothing else', () => {
    const doc = randomUUID();
    const upload = randomUUID();
    expect(DOCUMENT_BLOB_KEY.test(documentBlobKey(doc, upload))).toBe(true);
    expect(DOCUMENT_BLOB_KEY.test(`documents/${doc}/${upload}`)).toBe(true);
    for (const other of [`documents/ab/${doc}_${upload}`, `documents/abcd/${doc}_${upload}`, `documents/abc/${doc}/${upload}`, `documents/${doc}_${upload}`, `uploads/${upload}/0`, `documents/${doc}`, `documents/../${doc}/${upload}`, `documents/abc/${doc}_${upload}/x`, `audit-anchors/${doc}`]) {
      expect(DOCUMENT_BLOB_KEY.test(other), other).toBe(false);
    }
  });
});
