import type { DocumentReference, Parameters, Patient, Resource } from '@medplum/fhirtypes';
import type { DocumentRecord, DocumentVersion } from '../domain/document.ts';
import type { FhirRemoval } from '../domain/ports.ts';
import { toDocumentReference } from './document-reference.ts';
import type { Config } from '../config/config.ts';
import { FhirClient, FhirHttpError, isRetryable } from './remote-client.ts';
import { LEGACY_OWNER_TAG, masterIdentifier, NHS_NUMBER_SYSTEM, ownerTag, URI_SYSTEM } from './systems.ts';

/** `$expunge` of one deleted resource: its current (deleted) version and every earlier one. */
const EXPUNGE: Parameters = {
  resourceType: 'Parameters',
  parameter: [
    { name: 'expungeDeletedResources', valueBoolean: true },
    { name: 'expungePreviousVersions', valueBoolean: true },
  ],
};

/** The server answered 404 or 410: the entry is already gone, which is what removing it asks for. */
const isGone = (e: unknown): boolean => e instanceof FhirHttpError && (e.status === 404 || e.status === 410);

/** The remote index QUILL_FHIR_URL names, or null when the built-in index is the only one. */
export function remoteFhirIndexFromConfig(cfg: Config, baseUrl: () => string, deploymentId: string): RemoteFhirIndex | null {
  if (!cfg.fhir.url) return null;
  return new RemoteFhirIndex(new FhirClient({ baseUrl: cfg.fhir.url, token: cfg.fhir.token, basicAuth: cfg.fhir.basicAuth }), { baseUrl, odsCode: cfg.odsCode, deploymentId });
}

/**
 * Keeps one DocumentReference per document on a remote FHIR server (HAPI in production). Every write is idempotent:
 * a conditional update keyed on the document's identifier creates the resource the first time and updates it after,
 * so a retried outbox row never makes a duplicate.
 */
export class RemoteFhirIndex {
  readonly #client: FhirClient;
  readonly #mapping: { baseUrl: () => string; odsCode: string; deploymentId: string };
  readonly #patients = new Map<string, string>(); // NHS number -> "Patient/<id>"

  constructor(client: FhirClient, mapping: { baseUrl: () => string; odsCode: string; deploymentId: string }) {
    this.#client = client;
    this.#mapping = mapping;
  }

  get client(): FhirClient {
    return this.#client;
  }

  /**
   * HAPI resolves `patient.identifier` chains only through a real Patient reference, so each DocumentReference also
   * references the server's Patient. Resolved with a conditional create (If-None-Exist), which returns an existing
   * Patient untouched: we never overwrite demographics another system owns.
   */
  async patientReference(nhsNumber: string): Promise<string> {
    const cached = this.#patients.get(nhsNumber);
    if (cached) return cached;
    const identifier = `${NHS_NUMBER_SYSTEM}|${nhsNumber}`;
    const { resource, location } = await this.#client.request<Patient>('POST', 'Patient', {
      body: { resourceType: 'Patient', identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhsNumber }] } satisfies Patient,
      headers: { 'if-none-exist': `identifier=${identifier}`, prefer: 'return=representation' },
    });
    const id = resource?.id ?? /Patient\/([^/]+)/.exec(location ?? '')?.[1];
    if (!id) throw new Error(`the FHIR server did not say which Patient has ${identifier}`);
    const ref = `Patient/${id}`;
    if (this.#patients.size > 10_000) this.#patients.clear();
    this.#patients.set(nhsNumber, ref);
    return ref;
  }

  build(doc: DocumentRecord, version: DocumentVersion, patientReference: string): DocumentReference {
    const dr = toDocumentReference(doc, version, { baseUrl: this.#mapping.baseUrl(), odsCode: this.#mapping.odsCode, patientReference });
    delete dr.id; // the server assigns its own ids; ours is the identifier
    dr.meta = { tag: [ownerTag(this.#mapping.deploymentId)] }; // lets reconcile find every resource this deployment owns
    return dr;
  }

  /** Creates or updates the document's DocumentReference; returns the server's resource id. */
  async upsert(doc: DocumentRecord, version: DocumentVersion): Promise<string> {
    const ref = await this.patientReference(doc.patient);
    const body = this.build(doc, version, ref);
    const { resource, location } = await this.#client.request<DocumentReference>('PUT', `DocumentReference?identifier=${encodeURIComponent(`${URI_SYSTEM}|${masterIdentifier(doc.id)}`)}`, {
      body,
      headers: { prefer: 'return=representation' },
    });
    const id = resource?.id ?? /DocumentReference\/([^/]+)/.exec(location ?? '')?.[1];
    if (!id) throw new Error('the FHIR server did not return the DocumentReference id');
    return id;
  }

  /** The meta.tag every resource this deployment writes carries (reconcile finds its own by it). */
  get ownerTag(): { system: string; code: string } {
    return ownerTag(this.#mapping.deploymentId);
  }

  /**
   * Creates or replaces a resource under the id the store gave it (`PUT <type>/<id>`, a client-assigned id, which HAPI
   * allows by default for ids that are not all digits): idempotent, and two writers can never make two copies.
   */
  async put<T extends Resource & { id: string }>(resource: T): Promise<void> {
    await this.#client.request<T>('PUT', `${resource.resourceType}/${encodeURIComponent(resource.id)}`, { body: resource });
  }

  /**
   * Every DocumentReference on the server tagged as this deployment's, with the document id it names; then those with
   * the pre-deployment legacy tag (`legacy: true`), which may belong to any deployment that shares the server.
   */
  async *ours(): AsyncGenerator<{ documentId: string; resource: DocumentReference; legacy: boolean }> {
    for (const [tag, legacy] of [[ownerTag(this.#mapping.deploymentId), false], [LEGACY_OWNER_TAG, true]] as const) {
      for await (const r of this.#client.searchAll<DocumentReference>(`DocumentReference?_tag=${encodeURIComponent(`${tag.system}|${tag.code}`)}&_count=200`)) {
        const value = r.masterIdentifier?.system === URI_SYSTEM ? r.masterIdentifier.value : undefined;
        const m = value ? /^urn:uuid:([0-9a-f-]{36})$/.exec(value) : null;
        if (m) yield { documentId: m[1]!, resource: r, legacy };
      }
    }
  }

  /**
   * Removes a document's entry for good: DELETE, then `$expunge` of the deleted resource and all its versions. A
   * DELETE alone leaves every earlier version readable through `_history` (title, patient, hash: what a disposal
   * destroys). A server that refuses `$expunge` (HAPI does unless expunge is enabled) keeps that history: the answer
   * says so, for the caller to record. An entry already gone counts as removed, so a resumed disposal goes through.
   */
  async remove(resourceId: string): Promise<FhirRemoval> {
    await this.#client.request('DELETE', `DocumentReference/${resourceId}`).catch((e: unknown) => {
      if (!isGone(e)) throw e;
    });
    try {
      await this.#client.request('POST', `DocumentReference/${resourceId}/$expunge`, { body: EXPUNGE });
      return 'expunged';
    } catch (e) {
      if (isGone(e)) return 'expunged'; // nothing left to expunge
      if (isRetryable(e)) throw e;
      return 'history-kept';
    }
  }
}
