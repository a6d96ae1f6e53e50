/** The document types accepted by default, each recognised from its magic bytes (text by being clean UTF-8). */
export const defaultAllowedContentTypes = ['application/pdf', 'image/jpeg', 'image/png', 'image/tiff', 'text/plain'] as const;

/** "Text/Plain; charset=utf-8" -> "text/plain". */
export function baseMediaType(value: string | undefined | null): string | null {
  if (!value) return null;
  const base = value.split(';')[0]!.trim().toLowerCase();
  return base === '' ? null : base;
}

const extensions: Record<string, string> = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/tiff': 'tiff',
  'text/plain': 'txt',
};

export const extensionFor = (contentType: string): string => extensions[contentType] ?? 'bin';
