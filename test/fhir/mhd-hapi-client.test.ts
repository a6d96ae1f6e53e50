import type { Bundle, List } from '@medplum/fhirtypes';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateR4 } from '../support/fhir-validate.ts';
import { hapiBaseUrl } from '../support/hapi-url.ts';
import { mhdClientJar, runMhdClient, type MhdClientReport } from '../support/mhd-client.ts';
import { randomNhsNumber } from '../support/nhs-numbers.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * ITI-65, -66, -67 and -68 driven by a client nobody on this project wrote the protocol code of: a Java program on
 * HAPI FHIR 8.8.0's own client library and R4 model classes (test-servers/mhd-client/), which builds the bundle,
 * sends it with the generic client's transaction(), reads a refusal, then finds, reads and retrieves the result as
 * HAPI's client parses it. Once against the service on its built-in index, once against the service writing a real
 * HAPI FHIR server through its outbox, where the client asks HAPI itself.
 */
const hapi = hapiBaseUrl();

beforeAll(async () => {
  await mhdClientJar(); // built (or found cached) once, before the clock of any test starts
}, 300_000);

/** What the service itself holds after the client's run: the two documents, with the bytes the client sent. */
async function expectKept(s: TestServer, token: string, patient: string, report: MhdClientReport): Promise<void> {
  expect(report.statuses).toEqual(['201 Created', '201 Created', '201 Created', '201 Created']);
  expect(report.refusal).toEqual({ status: 400, code: 'digest_mismatch', expression: 'Bundle.entry[1].resource.content[0].attachment.hash' });
  expect(report.iti68).toEqual(report.sha256);
  const [{ n }] = (await s.sql`select count(*)::int as n from documents where patient_nhs = ${patient}`) as unknown as [{ n: number }];
  expect(n).toBe(2); // the refused bundle kept nothing
  for (const [i, id] of report.documents.entries()) {
    const doc = await (await fetch(`${s.baseUrl}/v1/documents/${id}`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(doc).toMatchObject({ patient, sha256: report.sha256[i] });
  }
}

describe('the HAPI FHIR client against the built-in index', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  }, 120_000);
  afterAll(() => s?.close());

  it('provides a bundle, is refused one, and finds, reads and retrieves the documents and the SubmissionSet', async () => {
    const patient = randomNhsNumber();
    const token = await s.token('mhd.source', ['clinician']);
    const report = await runMhdClient({ recipient: `${s.baseUrl}/fhir`, token, patient });
    await expectKept(s, token, patient, report);
    expect(report.iti66).toBe(report.list);
  }, 300_000);
});

describe('the HAPI FHIR client against the service configured with HAPI FHIR', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ QUILL_FHIR_URL: hapi, QUILL_ODS_CODE: `M${Math.floor(Math.random() * 1e6)}` });
  }, 120_000);
  afterAll(() => s?.close());

  it('provides through the service, then finds the documents and the SubmissionSet on HAPI (written through the outbox)', async () => {
    const patient = randomNhsNumber();
    const token = await s.token('mhd.source', ['clinician']);
    const report = await runMhdClient({ recipient: `${s.baseUrl}/fhir`, token, patient, responder: hapi });
    await expectKept(s, token, patient, report);
    expect(report.iti67).toBe(2);

    // the List on HAPI: the store's id, the deployment's tag, the patient's Patient, entries by the store's identifiers
    const onHapi = (await (await fetch(`${hapi}/List/${report.list}`)).json()) as List;
    validateR4(onHapi);
    expect(onHapi.meta?.tag?.[0]?.code).toMatch(/^quill-docstore:/);
    expect(onHapi.subject?.reference).toMatch(/^Patient\//);
    expect(onHapi.entry!.map((e) => e.item.identifier?.value)).toEqual(report.documents.map((id) => `urn:uuid:${id}`));
    const [row] = await s.sql`select remote_written_at from submission_sets where id = ${report.list}`;
    expect(row!.remote_written_at).not.toBeNull();
    // and the built-in index answers the same (it is kept even with a remote server)
    const builtin = (await (await fetch(`${s.baseUrl}/fhir/List?patient.identifier=${patient}`, { headers: { authorization: `Bearer ${token}` } })).json()) as Bundle<List>;
    expect(builtin.entry!.map((e) => e.resource!.id)).toEqual([report.list]);
    // the outbox is drained: no document and no List left to write
    let left = -1;
    for (let i = 0; i < 100 && left !== 0; i++) {
      if (i) await sleep(200);
      [{ n: left }] = (await s.sql`select count(*)::int as n from fhir_outbox where done_at is null`) as unknown as [{ n: number }];
    }
    expect(left).toBe(0);
  }, 300_000);
});
