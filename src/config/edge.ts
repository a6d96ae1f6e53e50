import { accessSync, constants } from 'node:fs';
import { isIP } from 'node:net';

/** How the service meets the network: TLS it terminates itself, and which proxies' X-Forwarded-* it believes. */
export interface EdgeConfig {
  /** PEM files; both set: the API serves HTTPS (with HSTS). */
  tls: { certFile: string; keyFile: string } | null;
  /**
   * Fastify's trustProxy: false (the default: the socket address is the client), true (trust every proxy),
   * a hop count, or the addresses/CIDRs of the trusted proxies.
   */
  trustProxy: boolean | number | string[];
}

/** Reads QUILL_TLS_CERT_FILE, QUILL_TLS_KEY_FILE and QUILL_TRUST_PROXY; appends what is wrong to problems. */
export function edgeConfig(raw: Record<string, unknown>, problems: string[]): EdgeConfig {
  const cert = typeof raw.QUILL_TLS_CERT_FILE === 'string' && raw.QUILL_TLS_CERT_FILE !== '' ? raw.QUILL_TLS_CERT_FILE : null;
  const key = typeof raw.QUILL_TLS_KEY_FILE === 'string' && raw.QUILL_TLS_KEY_FILE !== '' ? raw.QUILL_TLS_KEY_FILE : null;
  let tls: EdgeConfig['tls'] = null;
  if (cert && key) {
    for (const [name, file] of [['QUILL_TLS_CERT_FILE', cert], ['QUILL_TLS_KEY_FILE', key]] as const) {
      try {
        accessSync(file, constants.R_OK);
      } catch {
        problems.push(`${name}: cannot read ${file}`);
      }
    }
    tls = { certFile: cert, keyFile: key };
  } else if (cert || key) {
    problems.push('set both QUILL_TLS_CERT_FILE and QUILL_TLS_KEY_FILE (or neither)');
  }
  return { tls, trustProxy: parseTrustProxy(raw.QUILL_TRUST_PROXY, problems) };
}

export function parseTrustProxy(v: unknown, problems: string[]): EdgeConfig['trustProxy'] {
  const s = v === undefined || v === null ? '' : String(v).trim();
  if (s === '' || s === 'false') return false;
  if (s === 'true') return true;
  if (/^[0-9]{1,2}$/.test(s)) return Number(s);
  const list = s.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = list.filter((x) => {
    const [addr, bits, ...rest] = x.split('/');
    if (rest.length || !addr || !isIP(addr)) return true;
    return bits !== undefined && !(/^[0-9]{1,3}$/.test(bits) && Number(bits) <= (isIP(addr) === 4 ? 32 : 128));
  });
  if (bad.length || !list.length) problems.push(`QUILL_TRUST_PROXY: expected true, false, a hop count, or addresses/CIDRs of the proxies (got ${bad.join(', ') || s})`);
  return list;
}
