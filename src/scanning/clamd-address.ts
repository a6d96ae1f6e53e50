/** Where clamd listens, from QUILL_CLAMD_URL: tcp://host:port or unix:/path/clamd.ctl. */
export type ClamdAddress = { host: string; port: number } | { path: string };

export function parseClamdUrl(url: string): ClamdAddress {
  if (url.startsWith('unix:')) {
    const p = url.slice('unix:'.length).replace(/^\/\/(?=\/)/, '');
    if (!p.startsWith('/')) throw new Error(`QUILL_CLAMD_URL ${url}: a unix socket needs an absolute path (unix:/run/clamav/clamd.ctl)`);
    return { path: p };
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`QUILL_CLAMD_URL ${url}: expected tcp://host:port or unix:/path/clamd.ctl`);
  }
  if (u.protocol !== 'tcp:' || !u.hostname || !u.port || (u.pathname !== '' && u.pathname !== '/')) {
    throw new Error(`QUILL_CLAMD_URL ${url}: expected tcp://host:port or unix:/path/clamd.ctl`);
  }
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) };
}

export const describeClamd = (a: ClamdAddress): string => ('path' in a ? `unix:${a.path}` : `tcp://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`);
