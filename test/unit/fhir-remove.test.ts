// RemoteFhirIndex.remove's decisions on the answers a FHIR server may give (the real HAPI path, expunge enabled, is in
// test/fhir/remote-index.test.ts). A scripted HTTP server stands in for the answers HAPI gives when expunge is off
// (405, HAPI-0968) or when an earlier, interrupted disposal already removed the entry: pure decision logic.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RemoteFhirIndex } from '../../src/fhir/remote-index.ts';
import { FhirClient } from '../../src/fhir/remote-client.ts';

let server: http.Server | null = null;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A server answering each request with the status the script names for its method and path; records what it saw. */
async function scripted(answers: Record<string, number>): Promise<{ index: RemoteFhirIndex; seen: string[] }> {
  const seen: string[] = [];
  server = http.createServer((req, res) => {
    const key = `${req.method} ${req.url}`;
    seen.push(key);
    req.resume();
    const status = answers[key] ?? 500;
    res.writeHead(status, { 'content-type': 'application/fhir+json' });
    res.end(JSON.stringify(status < 300 ? { resourceType: 'Parameters' } : { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics: `scripted ${status}` }] }));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}/fhir`;
  return { index: new RemoteFhirIndex(new FhirClient({ baseUrl: base }), { baseUrl: () => 'http://quill.test', odsCode: 'X1', deploymentId: 'd' }), seen };
}

describe('RemoteFhirIndex.remove', () => {
  it('deletes, then expunges', async () => {
    const { index, seen } = await scripted({ 'DELETE /fhir/DocumentReference/7': 200, 'POST /fhir/DocumentReference/7/$expunge': 200 });
    expect(await index.remove('7')).toBe('expunged');
    expect(seen).toEqual(['DELETE /fhir/DocumentReference/7', 'POST /fhir/DocumentReference/7/$expunge']);
  });

  it('reports the history kept when the server refuses $expunge (HAPI answers 405 unless expunge is enabled)', async () => {
    const { index } = await scripted({ 'DELETE /fhir/DocumentReference/7': 200, 'POST /fhir/DocumentReference/7/$expunge': 405 });
    expect(await index.remove('7')).toBe('history-kept');
  });

  it('counts an entry already gone as removed, so a resumed disposal goes through', async () => {
    const { index } = await scripted({ 'DELETE /fhir/DocumentReference/7': 404, 'POST /fhir/DocumentReference/7/$expunge': 404 });
    expect(await index.remove('7')).toBe('expunged');
  });

  it('fails on a server error, for the disposal to be resumed later rather than recorded as done', async () => {
    const deleteFails = await scripted({ 'DELETE /fhir/DocumentReference/7': 503 });
    await expect(deleteFails.index.remove('7')).rejects.toThrow(/503/);
    await new Promise<void>((r) => server!.close(() => r()));
    const expungeFails = await scripted({ 'DELETE /fhir/DocumentReference/7': 200, 'POST /fhir/DocumentReference/7/$expunge': 503 });
    await expect(expungeFails.index.remove('7')).rejects.toThrow(/503/);
  });
});
