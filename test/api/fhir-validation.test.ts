import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfBytes, PATIENT, uploadMultipart } from '../support/fixtures.ts';
import { validateR4 } from '../support/fhir-validate.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let s: TestServer;
let token: string;
beforeAll(async () => {
  s = await startTestServer();
  token = await s.token('dr.v', ['admin']);
});
afterAll(() => s?.close());

describe('every FHIR resource the built-in index emits is valid R4', () => {
  it('validates DocumentReference (current, new version, entered-in-error), the searchset and the CapabilityStatement', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const doc = await (await uploadMultipart(s.baseUrl, token, pdfBytes('valid'), { fields: { description: 'd', date: '2026-01-02', author: 'Dr Who' } })).json();
    validateR4(await (await fetch(`${s.baseUrl}/fhir/DocumentReference/${doc.id}`, { headers: auth })).json());
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(pdfBytes('v2'))], { type: 'application/pdf' }), 'v2.pdf');
    await fetch(`${s.baseUrl}/v1/documents/${doc.id}/versions`, { method: 'POST', headers: auth, body: form });
    await fetch(`${s.baseUrl}/v1/documents/${doc.id}`, { method: 'DELETE', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'duplicate' }) });
    const dr = await (await fetch(`${s.baseUrl}/fhir/DocumentReference/${doc.id}`, { headers: auth })).json();
    expect(dr.status).toBe('entered-in-error');
    expect(dr.meta.versionId).toBe('3');
    validateR4(dr);
    const bundle = await (await fetch(`${s.baseUrl}/fhir/DocumentReference?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|${PATIENT}`, { headers: auth })).json();
    validateR4(bundle);
    validateR4(await (await fetch(`${s.baseUrl}/fhir/metadata`)).json());
  });

  it('the validator itself rejects a DocumentReference without content', () => {
    expect(() => validateR4({ resourceType: 'DocumentReference', status: 'current' } as never)).toThrow();
  });
});
