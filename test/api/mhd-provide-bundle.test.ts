import type { Bundle, List, OperationOutcome } from '@medplum/fhirtypes';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInStore } from '../../src/config/store-config.ts';
import { validateR4 } from '../support/fhir-validate.ts';
import { pdfBytes, pngBytes, sha256 } from '../support/fixtures.ts';
import { MHD_LIST_TYPES, NHS, postBundle, provideBundle, sha1b64 } from '../support/mhd-bundle.ts';
import { randomNhsNumber } from '../support/nhs-numbers.ts';
import { filesUnder } from '../support/files.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * IHE MHD ITI-65 Provide Document Bundle on the built-in index (the HAPI FHIR client program runs it against HAPI
 * too: test/fhir/mhd-hapi-client.test.ts): documents kept through the upload protocol, the SubmissionSet found by
 * ITI-66, every refusal an OperationOutcome naming its entry with nothing kept, and memory flat for large Binaries.
 */
let s: TestServer;
let token: string;
const patient = randomNhsNumber();
const auth = () => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  s = await startTestServer(); // QUILL_MAX_BUNDLE_BYTES: its 512 MiB default
  token = await s.token('dr.mhd', ['clinician']);
}, 120_000);
afterAll(() => s?.close());

const blobFiles = () => filesUnder(builtInStore(s.cfg, 'fs').dir);

/** Everything a bundle could leave behind. */
async function state() {
  const [docs] = await s.sql`select count(*)::int as n from documents`;
  const [pending] = await s.sql`select count(*)::int as n from upload_intents where state <> 'aborted'`;
  const [sets] = await s.sql`select count(*)::int as n from submission_sets`;
  return { docs: docs!.n, intents: pending!.n, sets: sets!.n, files: await blobFiles() };
}

async function expectRefused(res: Response, status: number, issues: [entry: number | null, code: string, expression?: RegExp][]): Promise<OperationOutcome> {
  expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
  const oo = (await res.json()) as OperationOutcome;
  expect(res.status, JSON.stringify(oo)).toBe(status);
  expect(oo.resourceType).toBe('OperationOutcome');
  validateR4(oo);
  for (const [entry, code, expression] of issues) {
    const issue = oo.issue.find((i) => i.details?.coding?.[0]?.code === code && (entry === null || i.diagnostics?.startsWith(`entry ${entry}:`)));
    expect(issue, `${code} at entry ${entry} in ${JSON.stringify(oo.issue)}`).toBeDefined();
    expect(issue!.details!.coding![0]!.system).toBe('https://quill-docstore.nhs.example/problems');
    if (expression) expect(issue!.expression?.[0]).toMatch(expression);
  }
  return oo;
}

describe('ITI-65 accepted', () => {
  it('keeps every document and the SubmissionSet, answers a transaction-response, and each is found (ITI-67, ITI-66) and retrieved (ITI-68)', async () => {
    const a = pdfBytes('iti65 binary');
    const b = pngBytes();
    const bundle = provideBundle(patient, [{ bytes: a }, { bytes: b, via: 'inline', contentType: 'image/png', type: '4241000179101', title: 'Lab result' }]);
    const res = await postBundle(s.baseUrl, token, bundle);
    const body = (await res.json()) as Bundle;
    expect(res.status, JSON.stringify(body)).toBe(200);
    validateR4(body);
    expect(body.type).toBe('transaction-response');
    expect(body.entry).toHaveLength(4);
    for (const e of body.entry!) {
      expect(e.response!.status).toBe('201 Created');
      expect(e.response!.etag).toBe('W/"1"');
    }
    const [listLoc, drA, drB, binA] = body.entry!.map((e) => e.response!.location!);
    expect(listLoc).toMatch(/^List\/[0-9a-f-]{36}$/);
    expect(drA).toMatch(/^DocumentReference\/[0-9a-f-]{36}$/);
    expect(binA).toBe(`Binary/${drA!.split('/')[1]}`);
    const [idA, idB] = [drA!.split('/')[1]!, drB!.split('/')[1]!];

    // the documents: the same rows, versions, bytes and index as an API upload
    for (const [id, bytes, type] of [[idA, a, 'application/pdf'], [idB, b, 'image/png']] as const) {
      const meta = await (await fetch(`${s.baseUrl}/v1/documents/${id}`, { headers: auth() })).json();
      expect(meta).toMatchObject({ patient, sha256: sha256(bytes), size: bytes.length, contentType: type, date: '2026-11-02', author: 'RR8' });
      const content = await fetch(`${s.baseUrl}/v1/documents/${id}/content`, { headers: auth() });
      expect(Buffer.from(await content.arrayBuffer()).equals(bytes)).toBe(true);
      const bin = await fetch(`${s.baseUrl}/fhir/Binary/${id}`, { headers: auth() });
      expect(bin.headers.get('content-type')).toBe(type);
      expect(Buffer.from(await bin.arrayBuffer()).equals(bytes)).toBe(true);
      const dr = await (await fetch(`${s.baseUrl}/fhir/DocumentReference/${id}`, { headers: auth() })).json();
      validateR4(dr);
      expect(dr.content[0].attachment.hash).toBe(sha1b64(bytes));
    }
    expect((await (await fetch(`${s.baseUrl}/v1/documents/${idB}`, { headers: auth() })).json()).title).toBe('Lab result');

    // ITI-67 finds both
    const found = (await (await fetch(`${s.baseUrl}/fhir/DocumentReference?patient.identifier=${encodeURIComponent(`${NHS}|${patient}`)}`, { headers: auth() })).json()) as Bundle;
    expect(found.entry!.map((e) => e.resource!.id).sort()).toEqual([idA, idB].sort());

    // ITI-66 finds the SubmissionSet, its entries referencing the documents the store made
    const lists = (await (await fetch(`${s.baseUrl}/fhir/List?patient.identifier=${encodeURIComponent(`${NHS}|${patient}`)}&code=${encodeURIComponent(`${MHD_LIST_TYPES}|submissionset`)}`, { headers: auth() })).json()) as Bundle<List>;
    validateR4(lists);
    expect(lists.total).toBe(1);
    const list = lists.entry![0]!.resource!;
    validateR4(list);
    expect(`List/${list.id}`).toBe(listLoc);
    expect(list.entry!.map((e) => e.item.reference)).toEqual([drA, drB]);
    expect(list.entry![0]!.item.identifier).toEqual((bundle.entry![1]!.resource as { masterIdentifier: unknown }).masterIdentifier);
    expect(list.subject!.identifier).toEqual({ system: NHS, value: patient });
    const uniqueId = (bundle.entry![0]!.resource as List).identifier![0]!;
    const byId = (await (await fetch(`${s.baseUrl}/fhir/List?patient.identifier=${patient}&identifier=${encodeURIComponent(`${uniqueId.system}|${uniqueId.value}`)}`, { headers: auth() })).json()) as Bundle;
    expect(byId.total).toBe(1);
    const none = (await (await fetch(`${s.baseUrl}/fhir/List?patient.identifier=${patient}&code=folder`, { headers: auth() })).json()) as Bundle;
    expect(none.total).toBe(0);
    const read = await fetch(`${s.baseUrl}/fhir/${listLoc}`, { headers: auth() });
    expect(read.status).toBe(200);
    expect((await read.json()).id).toBe(list.id);

    // audited: the bundle, and each document as a creation, in one transaction
    const rows = await s.sql`select action, outcome, document_id, detail from audit_events where patient_nhs = ${patient} and action in ('document.create', 'fhir.transaction') order by id`;
    expect(rows.map((r) => r.action).sort()).toEqual(['document.create', 'document.create', 'fhir.transaction']);
    expect(rows.filter((r) => r.action === 'document.create').every((r) => r.detail.via === 'ITI-65' && r.detail.submissionSet === list.id)).toBe(true);
  });

  it('accepts Minimal Metadata, the older http:// spelling of MHDlistTypes, and Binaries before the List', async () => {
    const p = randomNhsNumber();
    const bytes = pdfBytes('minimal');
    const bundle = provideBundle(p, [{ bytes, patch: (dr) => (delete dr.content[0]!.attachment.hash, delete dr.content[0]!.attachment.size, delete dr.author, delete dr.context) }], {
      binariesFirst: true,
      patchList: (l) => {
        l.code = { coding: [{ system: MHD_LIST_TYPES.replace('https:', 'http:'), code: 'submissionset' }] };
        delete l.subject;
      },
    });
    const res = await postBundle(s.baseUrl, token, bundle);
    const body = (await res.json()) as Bundle;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.entry!.map((e) => e.response!.location!.split('/')[0])).toEqual(['Binary', 'List', 'DocumentReference']);
    const list = (await (await fetch(`${s.baseUrl}/fhir/List?patient.identifier=${p}`, { headers: auth() })).json()) as Bundle<List>;
    expect(list.total).toBe(1);
    expect(list.entry![0]!.resource!.subject!.identifier!.value).toBe(p);
  });

  it('refuses the same SubmissionSet sent twice (its uniqueId), keeping nothing of the second', async () => {
    const bundle = provideBundle(randomNhsNumber(), [{ bytes: pdfBytes('twice') }]);
    expect((await postBundle(s.baseUrl, token, bundle)).status).toBe(200);
    const before = await state();
    const again = await expectRefused(await postBundle(s.baseUrl, token, bundle), 409, [[0, 'conflict', /^Bundle\.entry\[0\]\.resource\.identifier$/]]);
    expect(again.issue[0]!.code).toBe('duplicate');
    expect(await state()).toEqual(before);
  });
});

describe('ITI-65 refused: an OperationOutcome naming each entry and its problem, and nothing kept', () => {
  const pdf = pdfBytes('refused');
  const cases: [string, () => { bundle: unknown; token?: () => Promise<string> }, number, [number | null, string, RegExp?][]][] = [
    ['hash mismatch (attachment.hash, SHA-1 base64)', () => ({ bundle: provideBundle(patient, [{ bytes: pdf }, { bytes: pdf, patch: (dr) => (dr.content[0]!.attachment.hash = sha1b64(Buffer.from('other'))) }]) }), 400, [[2, 'digest_mismatch', /^Bundle\.entry\[2\]\.resource\.content\[0\]\.attachment\.hash$/]]],
    ['size mismatch', () => ({ bundle: provideBundle(patient, [{ bytes: pdf, via: 'inline', patch: (dr) => (dr.content[0]!.attachment.size = 3) }]) }), 400, [[1, 'size_mismatch', /attachment\.size$/]]],
    ['SHA-256 extension mismatch', () => ({ bundle: provideBundle(patient, [{ bytes: pdf, patch: (dr) => (dr.content[0]!.attachment.extension = [{ url: 'https://quill-docstore.nhs.example/fhir/StructureDefinition/attachment-sha256', valueString: sha256('x') }]) }]) }), 400, [[1, 'digest_mismatch']]],
    ['unknown patient identifier system', () => ({ bundle: provideBundle(patient, [{ bytes: pdf, patch: (dr) => (dr.subject = { identifier: { system: 'http://example.org/mrn', value: 'A123' } }) }]) }), 400, [[1, 'unknown_patient_identifier_system', /subject\.identifier$/]]],
    ['an invalid NHS number', () => ({ bundle: provideBundle('9434765918', [{ bytes: pdf }]) }), 400, [[1, 'invalid_nhs_number']]],
    ['type not in the value set', () => ({ bundle: provideBundle(patient, [{ bytes: pdf, type: '123456' }]) }), 400, [[1, 'unknown_document_type', /\.type$/]]],
    ['a type outside SNOMED CT', () => ({ bundle: provideBundle(patient, [{ bytes: pdf, patch: (dr) => (dr.type = { coding: [{ system: 'http://loinc.org', code: '18842-5' }] }) }]) }), 400, [[1, 'unknown_document_type']]],
    ['patient out of the caller\'s scope', () => ({ bundle: provideBundle(patient, [{ bytes: pdf }]), token: () => s.token('dr.scoped', ['clinician'], ['9434765870']) }), 403, [[1, 'patient_forbidden', /subject$/]]],
    ['a caller who may not write', () => ({ bundle: provideBundle(patient, [{ bytes: pdf }]), token: () => s.token('aud', ['auditor']) }), 403, [[null, 'forbidden']]],
    ['bytes that are not the declared type', () => ({ bundle: provideBundle(patient, [{ bytes: pngBytes() }]) }), 415, [[2, 'content_type_mismatch']]],
    ['a type not accepted at all', () => ({ bundle: provideBundle(patient, [{ bytes: Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff'), contentType: 'application/octet-stream' }]) }), 415, [[2, 'unsupported_media_type']]],
    ['an empty Binary', () => ({ bundle: provideBundle(patient, [{ bytes: Buffer.alloc(0) }]) }), 400, [[2, 'empty_body']]],
    ['bad base64', () => ({ bundle: JSON.stringify(provideBundle(patient, [{ bytes: pdf }])).replace(/"data":"[^"]*"/, '"data":"%%%%"') }), 400, [[null, 'validation_failed', /^Bundle\.entry\[2\]\.resource\.data$/]]],
    ['a Binary no DocumentReference names', () => ({ bundle: ((b) => (b.entry!.push({ fullUrl: 'urn:uuid:extra', resource: { resourceType: 'Binary', contentType: 'application/pdf', data: pdf.toString('base64') }, request: { method: 'POST', url: 'Binary' } }), b))(provideBundle(patient, [{ bytes: pdf }])) }), 400, [[3, 'invalid_bundle']]],
    ['an attachment.url naming no Binary', () => ({ bundle: provideBundle(patient, [{ bytes: pdf, patch: (dr) => (dr.content[0]!.attachment.url = 'urn:uuid:nowhere') }]) }), 400, [[1, 'invalid_bundle', /attachment\.url$/]]],
    ['a document outside the web (attachment.url over http)', () => ({ bundle: provideBundle(patient, [{ bytes: pdf, patch: (dr) => (dr.content[0]!.attachment.url = 'https://example.org/doc.pdf') }]) }), 400, [[1, 'invalid_bundle']]],
    ['no SubmissionSet', () => ({ bundle: ((b) => (b.entry!.shift(), b))(provideBundle(patient, [{ bytes: pdf }])) }), 400, [[null, 'invalid_bundle']]],
    ['a Folder', () => ({ bundle: provideBundle(patient, [{ bytes: pdf }], { patchList: (l) => (l.code!.coding![0]!.code = 'folder') }) }), 400, [[0, 'invalid_bundle']]],
    ['a DocumentReference the SubmissionSet does not list', () => ({ bundle: provideBundle(patient, [{ bytes: pdf }], { patchList: (l) => (l.entry = []) }) }), 400, [[1, 'invalid_bundle']]],
    ['a SubmissionSet about another patient', () => ({ bundle: provideBundle(patient, [{ bytes: pdf }], { patchList: (l) => (l.subject = { identifier: { system: NHS, value: '9434765870' } }) }) }), 400, [[0, 'validation_failed']]],
    ['a batch rather than a transaction', () => ({ bundle: { ...provideBundle(patient, [{ bytes: pdf }]), type: 'batch' } }), 400, [[null, 'invalid_bundle', /^Bundle\.type$/]]],
    ['a PUT entry', () => ({ bundle: ((b) => ((b.entry![1]!.request = { method: 'PUT', url: 'DocumentReference/x' }), b))(provideBundle(patient, [{ bytes: pdf }])) }), 400, [[1, 'invalid_bundle']]],
    ['a Patient entry', () => ({ bundle: ((b) => (b.entry!.push({ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } }), b))(provideBundle(patient, [{ bytes: pdf }])) }), 400, [[3, 'invalid_bundle']]],
    ['document replacement (relatesTo)', () => ({ bundle: provideBundle(patient, [{ bytes: pdf, patch: (dr) => (dr.relatesTo = [{ code: 'replaces', target: { reference: 'DocumentReference/x' } }]) }]) }), 400, [[1, 'invalid_bundle', /relatesTo$/]]],
    ['members not of their FHIR types', () => ({ bundle: provideBundle(patient, [{ bytes: pdf, patch: (dr) => Object.assign(dr, { type: { coding: 'x' }, description: 7 }) }], { patchList: (l) => Object.assign(l, { entry: 'none' }) }) }), 400, [[0, 'invalid_bundle'], [1, 'invalid_bundle']]],
    ['not JSON', () => ({ bundle: '{"resourceType": "Bundle", "type": "transaction", "entry": [' }), 400, [[null, 'invalid_bundle']]],
  ];
  for (const [name, make, status, issues] of cases) {
    it(name, async () => {
      const { bundle, token: as } = make();
      const before = await state();
      const res = await postBundle(s.baseUrl, as ? await as() : token, typeof bundle === 'string' ? bundle : JSON.stringify(bundle));
      await expectRefused(res, status, issues);
      expect(await state()).toEqual(before);
      const [row] = await s.sql`select action, outcome, error_code, detail from audit_events where action = 'fhir.transaction' order by id desc limit 1`;
      expect(row).toMatchObject({ outcome: status === 403 ? 'denied' : 'failed', error_code: issues[0]![1] });
    });
  }

  it('removes the bytes it had stored when a later document of the bundle is refused', async () => {
    const before = await state();
    const good = pdfBytes('stored, then removed');
    const bundle = provideBundle(patient, [{ bytes: good, via: 'inline' }, { bytes: good, via: 'inline', patch: (dr) => (dr.content[0]!.attachment.size = 1) }]);
    await expectRefused(await postBundle(s.baseUrl, token, bundle), 400, [[2, 'size_mismatch']]);
    expect(await state()).toEqual(before);
    const [aborted] = await s.sql`select count(*)::int as n from upload_intents where state = 'aborted' and created_at > now() - interval '1 minute'`;
    expect(aborted!.n).toBeGreaterThan(0); // it did store them first
  });

  it('refuses a document over QUILL_MAX_UPLOAD_BYTES and a body over QUILL_MAX_BUNDLE_BYTES', async () => {
    const small = await startTestServer({ QUILL_MAX_UPLOAD_BYTES: '2000', QUILL_MAX_BUNDLE_BYTES: '100000' });
    try {
      const t = await small.token('dr.small', ['clinician']);
      const big = Buffer.concat([pdfBytes('big'), randomBytes(3000)]);
      await expectRefused(await postBundle(small.baseUrl, t, provideBundle(patient, [{ bytes: big }])), 413, [[2, 'payload_too_large']]);
      const huge = provideBundle(patient, [{ bytes: Buffer.concat([pdfBytes('huge'), randomBytes(120_000)]) }]);
      const res = await postBundle(small.baseUrl, t, JSON.stringify(huge));
      await expectRefused(res, 413, [[null, 'payload_too_large']]);
      const [docs] = await small.sql`select count(*)::int as n from documents`;
      expect(docs!.n).toBe(0);
    } finally {
      await small.close();
    }
  });

  it('refuses a body that is not FHIR JSON by its media type (415, problem+json)', async () => {
    const res = await postBundle(s.baseUrl, token, '<Bundle/>', { 'content-type': 'application/fhir+xml' });
    expect(res.status).toBe(415);
  });
});

describe('ITI-65 memory', () => {
  it('streams a bundle of two large Binaries: the service holds neither, nor the bundle (what it holds stays far below the body)', async () => {
    const MiB = 1024 * 1024;
    const size = 64 * MiB;
    const head = pdfBytes('large');
    // bytes made on the fly (a seeded pattern), hashed as they go: the test holds no document either
    const chunkOf = (doc: number, i: number) => {
      const c = Buffer.alloc(3 * 65536, (doc * 31 + i) & 0xff);
      return i === 0 ? Buffer.concat([head, c.subarray(head.length)]) : c;
    };
    const chunks = Math.ceil(size / (3 * 65536));
    const hashes = [0, 1].map((doc) => {
      const h = createHash('sha1');
      for (let i = 0; i < chunks; i++) h.update(chunkOf(doc, i));
      return h.digest('base64');
    });
    const length = chunks * 3 * 65536;
    const template = provideBundle(patient, [{ bytes: pdfBytes('x') }, { bytes: pdfBytes('y') }], { binariesFirst: true });
    template.entry!.forEach((e) => {
      if (e.resource!.resourceType === 'DocumentReference') {
        const i = template.entry!.filter((x) => x.resource!.resourceType === 'DocumentReference').indexOf(e);
        Object.assign((e.resource as { content: { attachment: object }[] }).content[0]!.attachment, { hash: hashes[i], size: length });
      }
    });
    const json = JSON.stringify(template);
    const parts = json.split(/"data":"[^"]*"/);
    expect(parts).toHaveLength(3);
    async function* body() {
      for (let doc = 0; doc < 2; doc++) {
        yield Buffer.from(parts[doc] + '"data":"');
        for (let i = 0; i < chunks; i++) yield Buffer.from(chunkOf(doc, i).toString('base64'));
        yield Buffer.from('"');
      }
      yield Buffer.from(parts[2]!);
    }
    // What the process holds (live after a full collection), sampled while the bundle streams: the garbage a stream
    // leaves between collections is not holding anything, so the measure forces one (gc exposed at run time).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const live = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const baseline = live();
    let peak = baseline;
    let samples = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, live());
      samples++;
    }, 250);
    try {
      // node:http streams the body with backpressure (fetch with a ReadableStream body ran ahead of the socket here)
      const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(`${s.baseUrl}/fhir`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/fhir+json' } }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode!, text }));
        });
        req.on('error', reject);
        pipeline(Readable.from(body()), req).catch(reject);
      });
      const out = JSON.parse(text) as Bundle;
      expect(status, text.slice(0, 2000)).toBe(200);
      const ids = out.entry!.filter((e) => e.response!.location!.startsWith('DocumentReference/')).map((e) => e.response!.location!.split('/')[1]);
      for (const id of ids) expect((await (await fetch(`${s.baseUrl}/v1/documents/${id}`, { headers: auth() })).json()).size).toBe(length);
    } finally {
      clearInterval(sampler);
    }
    expect(samples).toBeGreaterThan(10);
    // the body is 171 MiB of base64 (two 64 MiB documents): holding it, or either document, would show here
    expect((peak - baseline) / MiB).toBeLessThan(48);
  }, 180_000);
});
