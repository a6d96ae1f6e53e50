import { createHash } from 'node:crypto';

export const PATIENT = '9434765919';
export const OTHER_PATIENT = '9434765870';
export const DISCHARGE = '373942005';

export const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** A small but real PDF (header, one object, trailer). */
export function pdfBytes(note = 'test'): Buffer {
  return Buffer.from(`%PDF-1.4\n1 0 obj\n<< /Title (${note}) >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n`, 'latin1');
}

/** A 1x1 PNG. */
export const pngBytes = (): Buffer =>
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

export const jpegBytes = (): Buffer => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]), Buffer.alloc(200, 1), Buffer.from([0xff, 0xd9])]);

export interface UploadOptions {
  patient?: string;
  type?: string;
  title?: string;
  contentType?: string;
  filename?: string;
  fields?: Record<string, string>;
}

/** multipart/form-data upload through fetch. */
export async function uploadMultipart(baseUrl: string, token: string, bytes: Buffer, o: UploadOptions = {}): Promise<Response> {
  const form = new FormData();
  form.set('patient', o.patient ?? PATIENT);
  form.set('type', o.type ?? DISCHARGE);
  form.set('title', o.title ?? 'Discharge summary');
  for (const [k, v] of Object.entries(o.fields ?? {})) form.set(k, v);
  form.set('file', new Blob([new Uint8Array(bytes)], { type: o.contentType ?? 'application/pdf' }), o.filename ?? 'letter.pdf');
  return fetch(`${baseUrl}/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
}

/** Raw-body upload: Content-Type is the document type, metadata in the query. */
export async function uploadRaw(baseUrl: string, token: string, bytes: Buffer, o: UploadOptions & { headers?: Record<string, string> } = {}): Promise<Response> {
  const q = new URLSearchParams({ patient: o.patient ?? PATIENT, type: o.type ?? DISCHARGE, title: o.title ?? 'Discharge summary', ...(o.fields ?? {}) });
  return fetch(`${baseUrl}/v1/documents?${q}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': o.contentType ?? 'application/pdf', ...(o.headers ?? {}) },
    body: new Uint8Array(bytes),
  });
}
