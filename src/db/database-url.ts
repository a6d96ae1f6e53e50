import postgres from 'postgres';
import type { Host } from './primary-locator.ts';

/**
 * DATABASE_URL, QUILL_BACKUP_DATABASE_URL: `postgres://user:pass@host:port/db?...`, or with several hosts
 * (`postgres://user:pass@db1:5432,db2:5432/db?target_session_attrs=primary`, a Patroni cluster). WHATWG's URL parser
 * refuses the multi-host form, so the hosts are read with postgres.js's own parser and the rest split off by hand here
 * (no library exposes a libpq-style multi-host URL parser).
 */
export interface DatabaseUrlParts {
  hosts: Host[];
  user: string;
  password: string;
  database: string;
  /** The query parameters (sslmode, target_session_attrs, ...). */
  params: URLSearchParams;
}

const SHAPE = /^(postgres(?:ql)?:\/\/)(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/;

export function databaseUrlParts(url: string): DatabaseUrlParts {
  const m = SHAPE.exec(url);
  if (!m) throw new Error('not a postgres:// URL');
  const [user = '', password = ''] = (m[2] ?? '').split(/:(.*)/s).map((s) => decodeURIComponent(s));
  return {
    hosts: urlHosts(url),
    user,
    password,
    database: decodeURIComponent((m[4] ?? '/').slice(1)),
    params: new URLSearchParams(m[5] ?? ''),
  };
}

/** The hosts of a URL as postgres.js reads them (its own parser; it opens no connection). */
export function urlHosts(url: string): Host[] {
  const { host, port } = postgres(url, { no_subscribe: true } as postgres.Options<{}>).options;
  return host.map((h, i) => ({ host: h, port: port[i]! }));
}

/** The same URL naming one host only (the member found to be the primary); credentials, database and query kept. */
export function withHost(url: string, h: Host, params: Record<string, string | null> = {}): string {
  const m = SHAPE.exec(url);
  if (!m) throw new Error('not a postgres:// URL');
  const q = new URLSearchParams(m[5] ?? '');
  for (const [k, v] of Object.entries(params)) {
    if (v === null) q.delete(k);
    else q.set(k, v);
  }
  const host = h.host.includes(':') ? `[${h.host}]` : h.host;
  const query = q.toString();
  return `${m[1]}${m[2] !== undefined ? `${m[2]}@` : ''}${host}:${h.port}${m[4] ?? ''}${query ? `?${query}` : ''}`;
}
