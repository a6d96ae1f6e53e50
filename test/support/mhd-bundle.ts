import { createHash, randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, DocumentReference, List } from '@medplum/fhirtypes';

export const MHD_LIST_TYPES = 'https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes';
export const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
export const SNOMED = 'http://snomed.info/sct';

export const sha1b64 = (b: Uint8Array): string => createHash('sha1').update(b).digest('base64');

export interface BundleDocument {
  bytes: Buffer;
  /** 'binary' (a Binary entry referenced by urn:uuid, the default) or 'inline' (attachment.data). */
  via?: 'binary' | 'inline';
  type?: string;
  title?: string;
  contentType?: string;
  /** Overrides of the DocumentReference (after it is built). */
  patch?: (dr: DocumentReference) => void;
}

/**
 * An ITI-65 Provide Document Bundle as a Document Source would send it (Comprehensive Metadata): the SubmissionSet
 * List first, then each DocumentReference, then the Binaries. `patchList` edits the List; the result is plain JSON.
 */
export function provideBundle(patient: string, docs: BundleDocument[], opts: { patchList?: (l: List) => void; binariesFirst?: boolean } = {}): Bundle {
  const listUrl = `urn:uuid:${randomUUID()}`;
  const drs: BundleEntry[] = [];
  const bins: BundleEntry[] = [];
  for (const d of docs) {
    const drUrl = `urn:uuid:${randomUUID()}`;
    const binUrl = `urn:uuid:${randomUUID()}`;
    const contentType = d.contentType ?? 'application/pdf';
    const dr: DocumentReference = {
      resourceType: 'DocumentReference',
      masterIdentifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${randomUUID()}` },
      status: 'current',
      type: { coding: [{ system: SNOMED, code: d.type ?? '373942005' }] },
      subject: { identifier: { system: NHS, value: patient } },
      date: new Date().toISOString(),
      author: [{ identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'RR8' } }],
      description: d.title ?? 'Discharge summary',
      content: [
        {
          attachment: {
            contentType,
            ...(d.via === 'inline' ? { data: d.bytes.toString('base64') } : { url: binUrl }),
            size: d.bytes.length,
            hash: sha1b64(d.bytes),
            title: d.title ?? 'Discharge summary',
            creation: '2026-11-02',
          },
        },
      ],
      context: { period: { start: '2026-11-02' } },
    };
    d.patch?.(dr);
    drs.push({ fullUrl: drUrl, resource: dr, request: { method: 'POST', url: 'DocumentReference' } });
    if (d.via !== 'inline') bins.push({ fullUrl: binUrl, resource: { resourceType: 'Binary', contentType, data: d.bytes.toString('base64') }, request: { method: 'POST', url: 'Binary' } });
  }
  const list: List = {
    resourceType: 'List',
    extension: [{ url: 'https://profiles.ihe.net/ITI/MHD/StructureDefinition/ihe-sourceId', valueIdentifier: { value: 'urn:oid:1.2.3.4' } }],
    identifier: [
      { use: 'usual', system: 'urn:ietf:rfc:3986', value: `urn:oid:1.2.3.4.${Date.now()}.${Math.floor(Math.random() * 1e9)}` },
      { use: 'official', system: 'urn:ietf:rfc:3986', value: `urn:uuid:${randomUUID()}` },
    ],
    status: 'current',
    mode: 'working',
    code: { coding: [{ system: MHD_LIST_TYPES, code: 'submissionset' }] },
    subject: { identifier: { system: NHS, value: patient } },
    date: new Date().toISOString(),
    entry: drs.map((e) => ({ item: { reference: e.fullUrl } })),
  };
  opts.patchList?.(list);
  const listEntry: BundleEntry = { fullUrl: listUrl, resource: list, request: { method: 'POST', url: 'List' } };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    meta: { profile: ['https://profiles.ihe.net/ITI/MHD/StructureDefinition/IHE.MHD.Comprehensive.ProvideBundle'] },
    entry: opts.binariesFirst ? [...bins, listEntry, ...drs] : [listEntry, ...drs, ...bins],
  };
}

/** POST /fhir. */
export const postBundle = (baseUrl: string, token: string, body: Bundle | string, headers: Record<string, string> = {}) =>
  fetch(`${baseUrl}/fhir`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
