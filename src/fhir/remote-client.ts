import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';

export interface FhirClientOptions {
  baseUrl: string;
  token?: string | null | undefined;
  basicAuth?: string | null | undefined; // "user:password"
  timeoutMs?: number;
}

export class FhirHttpError extends Error {
  override name = 'FhirHttpError';
  readonly status: number;
  readonly outcome: OperationOutcome | null;
  constructor(status: number, message: string, outcome: OperationOutcome | null) {
    super(message);
    this.status = status;
    this.outcome = outcome;
  }
}

/**
 * The few FHIR REST calls the index needs (conditional create/update, read, search, delete), over fetch.
 * Hand-written rather than a full client library: five calls, and we need exact control of the conditional headers
 * and of which failures are retryable.
 */
export class FhirClient {
  readonly baseUrl: string;
  readonly #auth: string | null;
  readonly #timeoutMs: number;

  constructor(o: FhirClientOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.#auth = o.token ? `Bearer ${o.token}` : o.basicAuth ? `Basic ${Buffer.from(o.basicAuth).toString('base64')}` : null;
    this.#timeoutMs = o.timeoutMs ?? 15_000;
  }

  async request<T extends Resource>(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string>; form?: URLSearchParams } = {}): Promise<{ status: number; resource: T | null; location: string | null }> {
    const headers: Record<string, string> = { accept: 'application/fhir+json', ...(opts.headers ?? {}) };
    if (this.#auth) headers.authorization = this.#auth;
    let body: string | undefined;
    if (opts.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = opts.form.toString();
    } else if (opts.body !== undefined) {
      headers['content-type'] = 'application/fhir+json';
      body = JSON.stringify(opts.body);
    }
    const url = path.startsWith('http') ? path : `${this.baseUrl}/${path.replace(/^\//, '')}`;
    const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.#timeoutMs) });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as Resource) : null;
    if (!res.ok) {
      const outcome = parsed?.resourceType === 'OperationOutcome' ? (parsed as OperationOutcome) : null;
      const diag = outcome?.issue?.map((i) => i.diagnostics).filter(Boolean).join('; ');
      throw new FhirHttpError(res.status, `${method} ${path}: ${res.status} ${diag ?? res.statusText}`, outcome);
    }
    return { status: res.status, resource: parsed as T | null, location: res.headers.get('location') ?? res.headers.get('content-location') };
  }

  /** Follows `next` links; yields every resource of a search. */
  async *searchAll<T extends Resource>(path: string): AsyncGenerator<T> {
    let next: string | undefined = path;
    while (next) {
      const page: { resource: Bundle<T> | null } = await this.request<Bundle<T>>('GET', next);
      for (const e of page.resource?.entry ?? []) if (e.resource) yield e.resource;
      next = page.resource?.link?.find((l) => l.relation === 'next')?.url;
    }
  }
}

/** Network errors, timeouts, 408, 429 and 5xx are worth retrying; a 4xx (our resource refused) is not. */
export function isRetryable(e: unknown): boolean {
  if (e instanceof FhirHttpError) return e.status === 408 || e.status === 429 || e.status >= 500;
  return true;
}
