// Upload load for fault tests: N clients uploading documents through the service without pause, each upload by one of
// three routes in turn (a raw body, a multipart form, a tus resumable upload in two PATCHes where the advertised minimum PATCH size allows), sizes from tens of KB
// to above the S3 part size. Every answer is sorted: acknowledged (201, or 204 with the document id on the last tus
// PATCH: the document and the SHA-256 of what was sent are kept), refused cleanly (503 application/problem+json with
// Retry-After: kept with how long it took), or unexpected (anything else, a reset, no answer within the guard).
// A test moves the load through named phases (before / degraded / after …) and counts acknowledgements per phase.
import { randomBytes } from 'node:crypto';
import { DISCHARGE, PATIENT, sha256 } from './fixtures.ts';

export type UploadRoute = 'raw' | 'multipart' | 'tus';

export interface Acked {
  id: string;
  sha256: string;
  route: UploadRoute;
  phase: string;
}

export interface Refused {
  route: UploadRoute;
  phase: string;
  code: string;
  /** The problem's detail: what failed underneath. */
  detail: string;
  retryAfter: number;
  ms: number;
}

export interface UploadLoad {
  acked: Map<string, Acked>;
  refused: Refused[];
  unexpected: string[];
  /** Acknowledged uploads per phase. */
  ackedIn(phase: string): number;
  /** Uploads started from now on belong to `phase`. */
  setPhase(phase: string): void;
  /** Resolves once cond() holds (checked every 50 ms); rejects after timeoutMs with what the load saw so far. */
  waitFor(what: string, cond: () => boolean, timeoutMs?: number): Promise<void>;
  /** Lets every client finish its upload in flight, then resolves. */
  stop(): Promise<void>;
}

const MiB = 1024 * 1024;
const ROUTES: UploadRoute[] = ['raw', 'multipart', 'tus'];
const b64 = (v: string) => Buffer.from(v).toString('base64');

/** Sizes cycle per client: mostly small documents, every eighth one a 9 MiB scan (a multipart upload to S3). */
const sizeFor = (client: number, i: number) => (i % 8 === 7 ? 9 * MiB : 30_000 + ((client * 7919 + i * 104_729) % 300_000));

export function startUploadLoad(baseUrl: string, token: string, opts: { clients?: number; guardMs?: number } = {}): UploadLoad {
  const clients = opts.clients ?? 8;
  // not a timing assertion: an upload that never answers fails the test instead of hanging it
  const guardMs = opts.guardMs ?? 90_000;
  const auth = { authorization: `Bearer ${token}` };
  const acked = new Map<string, Acked>();
  const refused: Refused[] = [];
  const unexpected: string[] = [];
  const perPhase = new Map<string, number>();
  let phase = 'before';
  let stopping = false;

  async function classify(res: Response, route: UploadRoute, at: string, started: number, body: Buffer, id: string | null): Promise<void> {
    const text = await res.text();
    if (id !== null) {
      acked.set(id, { id, sha256: sha256(body), route, phase: at });
      perPhase.set(at, (perPhase.get(at) ?? 0) + 1);
      return;
    }
    const problem = (res.headers.get('content-type') ?? '').startsWith('application/problem+json');
    const retryAfter = Number(res.headers.get('retry-after'));
    if (res.status === 503 && problem && retryAfter > 0) {
      const p = JSON.parse(text) as { code: string; detail?: string };
      refused.push({ route, phase: at, code: p.code, detail: String(p.detail ?? '').slice(0, 160), retryAfter, ms: Date.now() - started });
      return;
    }
    unexpected.push(`${route} in ${at}: ${res.status} ${res.headers.get('content-type')} retry-after=${res.headers.get('retry-after')} ${text.slice(0, 300)}`);
  }

  async function uploadOnce(client: number, i: number): Promise<void> {
    const route = ROUTES[(client + i) % ROUTES.length]!;
    const body = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(sizeFor(client, i))]);
    const at = phase;
    const started = Date.now();
    const signal = AbortSignal.timeout(guardMs);
    const title = `load ${client}/${i}`;
    try {
      if (route === 'raw') {
        const q = new URLSearchParams({ patient: PATIENT, type: DISCHARGE, title });
        const res = await fetch(`${baseUrl}/v1/documents?${q}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/pdf' }, body: new Uint8Array(body), signal });
        return await classify(res, route, at, started, body, res.status === 201 ? (await res.clone().json()).id : null);
      }
      if (route === 'multipart') {
        const form = new FormData();
        form.set('patient', PATIENT);
        form.set('type', DISCHARGE);
        form.set('title', title);
        form.set('file', new Blob([new Uint8Array(body)], { type: 'application/pdf' }), 'load.pdf');
        const res = await fetch(`${baseUrl}/v1/documents`, { method: 'POST', headers: auth, body: form, signal });
        return await classify(res, route, at, started, body, res.status === 201 ? (await res.clone().json()).id : null);
      }
      const tus = { ...auth, 'tus-resumable': '1.0.0' };
      const created = await fetch(`${baseUrl}/v1/uploads`, {
        method: 'POST',
        headers: { ...tus, 'upload-length': String(body.length), 'upload-metadata': `patient ${b64(PATIENT)},type ${b64(DISCHARGE)},title ${b64(title)},filetype ${b64('application/pdf')},filename ${b64('load.pdf')}` },
        signal,
      });
      if (created.status !== 201) return await classify(created, route, at, started, body, null);
      await created.arrayBuffer();
      const url = new URL(created.headers.get('location')!, baseUrl).toString();
      // two PATCHes where the body allows, the first no smaller than the service's advertised minimum (which only the
      // last PATCH may be under); a body within the minimum goes in one
      const minPatch = Number(created.headers.get('quill-min-patch-size') ?? 0);
      const first = Math.min(body.length, Math.max(Math.floor(body.length / 2), minPatch));
      const parts = first === body.length ? [[0, body]] as const : [[0, body.subarray(0, first)], [first, body.subarray(first)]] as const;
      for (const [offset, part] of parts) {
        const res = await fetch(url, { method: 'PATCH', headers: { ...tus, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) }, body: new Uint8Array(part), signal });
        if (res.status !== 204) return await classify(res, route, at, started, body, null);
        const id = res.headers.get('quill-document-id');
        if (offset + part.length === body.length) return await classify(res, route, at, started, body, id ?? null);
        await res.arrayBuffer();
      }
    } catch (e) {
      unexpected.push(`${route} in ${at}: client error after ${Date.now() - started} ms: ${(e as Error).message}`);
    }
  }

  const loops = Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; !stopping; i++) await uploadOnce(c, i);
  });

  const summary = () => `acked ${JSON.stringify(Object.fromEntries(perPhase))}, ${refused.length} refused, unexpected: ${unexpected.slice(0, 5).join(' | ')}`;
  return {
    acked,
    refused,
    unexpected,
    ackedIn: (p) => perPhase.get(p) ?? 0,
    setPhase(p) {
      phase = p;
    },
    async waitFor(what, cond, timeoutMs = 120_000) {
      const until = Date.now() + timeoutMs;
      while (!cond()) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${summary()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

/** Reads every acknowledged document's bytes back through the service; returns what failed (status or SHA-256). */
export async function readBackFailures(baseUrl: string, token: string, acked: Iterable<Acked>, concurrency = 4): Promise<string[]> {
  const failures: string[] = [];
  const queue = [...acked];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let a = queue.shift(); a; a = queue.shift()) {
        try {
          const r = await fetch(`${baseUrl}/v1/documents/${a.id}/content`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(60_000) });
          const got = sha256(Buffer.from(await r.arrayBuffer()));
          if (r.status !== 200 || got !== a.sha256) failures.push(`${a.id} (${a.route}, ${a.phase}): ${r.status}${r.status === 200 ? ' wrong bytes' : ''}`);
        } catch (e) {
          failures.push(`${a.id} (${a.route}, ${a.phase}): ${(e as Error).message}`);
        }
      }
    }),
  );
  return failures;
}
