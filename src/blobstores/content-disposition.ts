/**
 * A Content-Disposition value that is safe whatever the uploaded filename was: an ASCII fallback with quotes,
 * backslashes and control characters removed, plus the RFC 8187 `filename*` form for the real name.
 */
export function attachmentDisposition(filename: string | null): string {
  if (!filename) return 'attachment';
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%;/]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
