// The typed client in client/ against the real service: its generated types are current (regenerated from this
// build's /openapi.json and compared), and every helper works end to end, including SHA-256 verification on download.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntegrityError, QuillClient, QuillError, sha256Hex } from '../../client/src/index.ts';
import { DISCHARGE, OTHER_PATIENT, PATIENT, pdfBytes, sha256 } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const CLIENT = path.resolve('client');
let s: TestServer;

beforeAll(async () => {
  s = await startTestServer();
}, 60_000);
afterAll(async () => s?.close());

const generatorInstalled = existsSync(path.join(CLIENT, 'node_modules', 'openapi-typescript'));

describe('client types', () => {
  // openapi-typescript needs TypeScript 5 as a peer (the service uses 7), so it lives in client/'s own node_modules.
  const needsGenerator = generatorInstalled || process.env.CI === 'true' ? it : it.skip;
  needsGenerator('client/src/schema.d.ts is what openapi-typescript generates from this build\'s /openapi.json (run npm --prefix client run generate)', async () => {
    if (!generatorInstalled) throw new Error('client/node_modules is missing: run npm ci --prefix client');
    const doc = await (await fetch(`${s.baseUrl}/openapi.json`)).json();
    const gen = (await import(pathToFileURL(path.join(CLIENT, 'scripts', 'generate.ts')).href)) as { generateSchema(d: unknown): Promise<string>; SCHEMA_FILE: string };
    const fresh = await gen.generateSchema(doc);
    const committed = await readFile(gen.SCHEMA_FILE, 'utf8');
    expect(committed === fresh, 'client/src/schema.d.ts is stale: start the service and run `npm --prefix client run generate`').toBe(true);
    expect(fresh).toContain('"/v1/uploads/{id}"');
  }, 30_000);
});

type Schema = { $ref?: string; type?: string | string[]; properties?: Record<string, unknown>; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[]; additionalProperties?: unknown };
type Answer = { content?: Record<string, { schema?: Schema }>; headers?: Record<string, unknown> };

/**
 * Why an answer's schema leaves the client untyped, or null when it has a shape: a named type (string, integer, …), an
 * object with properties, an array of shaped items, or a choice between shaped schemas. `{type: 'object'}` alone (or
 * no schema) generates `{ [key: string]: unknown }`.
 */
function shapeless(s: Schema | undefined, components: Record<string, Schema>): string | null {
  if (s?.$ref) return shapeless(components[s.$ref.split('/').pop()!], components);
  if (!s) return 'no schema';
  if (s.anyOf || s.oneOf) return (s.anyOf ?? s.oneOf)!.map((x) => shapeless(x, components)).find((x) => x !== null) ?? null;
  const types = [s.type ?? []].flat().filter((t) => t !== 'null');
  if (types.length === 0) return 'no type';
  if (types.includes('array')) return shapeless(s.items, components);
  if (types.includes('object') && Object.keys(s.properties ?? {}).length === 0) return 'an object without properties';
  return null;
}

describe('the OpenAPI document', () => {
  it("types every operation's success answer (so the generated client has no untyped answer)", async () => {
    const doc = await (await fetch(`${s.baseUrl}/openapi.json`)).json();
    const untyped: string[] = [];
    let answers = 0;
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, Answer> }>>)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, answer] of Object.entries(op.responses)) {
          if (!/^2/.test(status)) continue;
          answers++;
          const where = `${method.toUpperCase()} ${path} ${status}`;
          // a bodyless answer: 204, or one whose news is in the headers it documents (tus: Location, Upload-Offset)
          if (!answer.content) {
            if (status !== '204' && !answer.headers) untyped.push(`${where}: no content`);
            continue;
          }
          for (const [type, media] of Object.entries(answer.content)) {
            const why = shapeless(media.schema, doc.components.schemas);
            if (why) untyped.push(`${where} ${type}: ${why}`);
          }
        }
      }
    }
    expect(answers).toBeGreaterThan(30);
    expect(untyped).toEqual([]);
  });

  it('calls a bare object schema untyped (the check above can fail)', () => {
    expect(shapeless({ type: 'object', additionalProperties: true }, {})).not.toBeNull();
    expect(shapeless({ type: 'array', items: { type: 'object' } }, {})).not.toBeNull();
    expect(shapeless({ $ref: '#/components/schemas/X' }, { X: {} })).not.toBeNull();
    expect(shapeless({ type: ['object', 'null'], properties: { a: { type: 'string' } } }, {})).toBeNull();
  });
});

describe('client helpers against the service', () => {
  it('uploads (simple and resumable), lists, reads metadata and versions, downloads with SHA-256 verified, audits', async () => {
    const clinician = new QuillClient({ baseUrl: s.baseUrl, token: await s.token('dr.client', ['clinician']) });
    const types = await clinician.documentTypes();
    expect(types.types.map((t) => t.code)).toContain(DISCHARGE);

    const v1 = pdfBytes('client v1');
    const doc = await clinician.upload(new Blob([new Uint8Array(v1)], { type: 'application/pdf' }), { patient: PATIENT, type: DISCHARGE, title: 'Client letter', date: '2026-11-01' }, { filename: 'v1.pdf' });
    expect(doc).toMatchObject({ version: 1, sha256: sha256(v1), patient: PATIENT, title: 'Client letter' });

    const got = await clinician.download(doc.id!);
    expect(got.verified).toBe(true);
    expect(got.sha256).toBe(sha256(v1));
    expect(sha256(new Uint8Array(await got.blob.arrayBuffer()))).toBe(sha256(v1));

    const v2 = Buffer.concat([pdfBytes('client v2'), randomBytes(3 * 1024 * 1024)]);
    const resumable = await clinician.uploadResumable(v2, { document: doc.id! }, { filename: 'v2.pdf', contentType: 'application/pdf', chunkSize: 1024 * 1024 });
    expect(resumable).toMatchObject({ documentId: doc.id, version: 2, sha256: sha256(v2) });
    const versions = await clinician.versions(doc.id!);
    expect(versions.map((v) => [v.version, v.sha256])).toEqual([[2, sha256(v2)], [1, sha256(v1)]]);
    expect((await clinician.download(doc.id!, { version: 1 })).sha256).toBe(sha256(v1));

    const fresh = await clinician.uploadResumable(Buffer.from(pdfBytes('new by tus')), { patient: PATIENT, type: DISCHARGE, title: 'By tus' }, { filename: 'tus.pdf', contentType: 'application/pdf' });
    const listed = await clinician.list(PATIENT, { limit: 1 });
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]!.id).toBe(fresh.documentId);
    expect(listed.nextCursor).not.toBeNull();
    const page2 = await clinician.list(PATIENT, { limit: 1, cursor: listed.nextCursor! });
    expect(page2.items[0]!.id).toBe(doc.id);

    // refusals arrive as QuillError with the service's stable code
    const wrong = await clinician.list('1234567890').catch((e) => e);
    expect(wrong).toBeInstanceOf(QuillError);
    expect(wrong.code).toBe('invalid_nhs_number');
    const scoped = new QuillClient({ baseUrl: s.baseUrl, token: await s.token('dr.scoped', ['clinician'], [OTHER_PATIENT]) });
    expect((await scoped.get(doc.id!).catch((e) => e)).code).toBe('patient_forbidden');
    const tusRefused = await scoped.uploadResumable(Buffer.from(pdfBytes()), { patient: PATIENT, type: DISCHARGE, title: 'x' }, { contentType: 'application/pdf', retryDelays: null }).catch((e) => e);
    expect(tusRefused).toMatchObject({ status: 403, code: 'patient_forbidden' });

    const rm = new QuillClient({ baseUrl: s.baseUrl, token: () => s.token('rm.client', ['records-manager']) });
    expect(await rm.enterInError(doc.id!, 'filed against the wrong patient')).toMatchObject({ status: 'entered-in-error' });

    const auditor = new QuillClient({ baseUrl: s.baseUrl, token: await s.token('aud.client', ['auditor']) });
    const trail = await auditor.audit({ document: doc.id! });
    expect(trail.items.map((e) => e.action)).toEqual(expect.arrayContaining(['document.create', 'document.version.create', 'document.content', 'document.enter-in-error']));
  }, 60_000);

  it('sends PATCHes of at least the size the service advertises (Quill-Min-Patch-Size), whatever chunk size it was asked for', async () => {
    const strict = await startTestServer({ QUILL_TUS_MIN_PATCH_BYTES: String(2 * 1024 * 1024) });
    try {
      const clinician = new QuillClient({ baseUrl: strict.baseUrl, token: await strict.token('dr.chunks', ['clinician']) });
      const bytes = Buffer.concat([pdfBytes('chunked'), randomBytes(5 * 1024 * 1024)]);
      const done = await clinician.uploadResumable(bytes, { patient: PATIENT, type: DISCHARGE, title: 'Chunked' }, { filename: 'c.pdf', contentType: 'application/pdf', chunkSize: 1024 * 1024, retryDelays: null });
      expect(done.sha256).toBe(sha256(bytes));
      const sizes = await strict.sql`select (detail->>'size')::int as size from audit_events where action = 'upload.append' and actor = 'dr.chunks' order by id`;
      expect(sizes.map((r) => r.size)).toEqual([2 * 1024 * 1024, 2 * 1024 * 1024, bytes.length - 4 * 1024 * 1024]);
    } finally {
      await strict.close();
    }
  }, 60_000);

  it('refuses to return bytes whose SHA-256 differs from the metadata', async () => {
    const token = await s.token('dr.client', ['clinician']);
    const ok = new QuillClient({ baseUrl: s.baseUrl, token });
    const doc = await ok.upload(new Uint8Array(pdfBytes('to be corrupted')), { patient: PATIENT, type: DISCHARGE, title: 'Corrupt me' }, { contentType: 'application/pdf' });
    // a proxy that flips one byte of the content on the way (the service itself would never send such bytes)
    const corrupting: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input instanceof Request ? input.url : input).endsWith('/content')) return res;
      const bytes = new Uint8Array(await res.arrayBuffer());
      bytes[bytes.length - 3]! ^= 0xff;
      return new Response(bytes, { status: res.status, headers: res.headers });
    };
    const bad = new QuillClient({ baseUrl: s.baseUrl, token, fetch: corrupting });
    const e = await bad.download(doc.id!).catch((x) => x);
    expect(e).toBeInstanceOf(IntegrityError);
    expect(e.expected).toBe(doc.sha256);
    expect(await sha256Hex(new Uint8Array(pdfBytes('to be corrupted')))).toBe(doc.sha256);
  });
});
