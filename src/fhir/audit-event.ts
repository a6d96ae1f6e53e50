import type { AuditEvent } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM, ODS_SYSTEM } from './systems.ts';
import type { AuditRecord } from '../audit/audit-event.ts';

/** Our actions as IHE BALP RESTful interactions (type rest, subtype the FHIR interaction, action C/R/U/D/E). */
const interactions: Record<string, { subtype: string; action: 'C' | 'R' | 'U' | 'D' | 'E' }> = {
  'document.create': { subtype: 'create', action: 'C' },
  'document.import': { subtype: 'create', action: 'C' },
  'document.version.create': { subtype: 'update', action: 'U' },
  'document.read': { subtype: 'read', action: 'R' },
  'document.list': { subtype: 'search-type', action: 'E' },
  'document.download-url': { subtype: 'read', action: 'R' },
  'document.content': { subtype: 'read', action: 'R' },
  'document.blob-fetch': { subtype: 'read', action: 'R' },
  'document.enter-in-error': { subtype: 'update', action: 'U' },
  'document.blob-migrate': { subtype: 'update', action: 'U' },
  'patient.export': { subtype: 'read', action: 'R' },
  'fhir.read': { subtype: 'read', action: 'R' },
  'fhir.search': { subtype: 'search-type', action: 'E' },
  'audit.read': { subtype: 'search-type', action: 'E' },
  'retention.dispose': { subtype: 'delete', action: 'D' },
  'retention.facts.set': { subtype: 'update', action: 'U' },
  'retention.class.set': { subtype: 'update', action: 'U' },
  'retention.hold.set': { subtype: 'update', action: 'U' },
  'retention.hold.lift': { subtype: 'update', action: 'U' },
  auth: { subtype: 'read', action: 'E' },
};

const outcomeCode = { success: '0', failed: '8', denied: '4' } as const;

/**
 * One audit row as an R4 AuditEvent following IHE Basic Audit Log Patterns: the user and their network address as
 * the requesting agent, this service as the observer, the document and the patient as entities.
 */
export function toAuditEvent(r: AuditRecord, o: { odsCode: string; baseUrl: string }): AuditEvent {
  const i = interactions[r.action] ?? { subtype: 'read', action: 'E' as const };
  const entity: NonNullable<AuditEvent['entity']> = [];
  if (r.documentId) {
    entity.push({
      what: { reference: `DocumentReference/${r.documentId}` },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '3', display: 'Report' },
      ...(r.version ? { detail: [{ type: 'version', valueString: String(r.version) }] } : {}),
    });
  }
  if (r.patient) {
    entity.push({
      what: { identifier: { system: NHS_NUMBER_SYSTEM, value: r.patient } },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
    });
  }
  if (r.requestId) {
    entity.push({
      what: { identifier: { value: r.requestId } },
      type: { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType', code: 'XrequestId' },
    });
  }
  // A break-glass read: purpose of use BTG (break the glass) with the reason the user stated, on the event and the user.
  const reason = typeof r.detail?.breakGlass === 'string' ? r.detail.breakGlass : null;
  const btg = reason ? [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG', display: 'break the glass' }], text: reason }] : null;
  return {
    resourceType: 'AuditEvent',
    id: r.id,
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: i.subtype }],
    action: i.action,
    recorded: r.at.toISOString(),
    outcome: outcomeCode[r.outcome],
    outcomeDesc: r.errorCode ? `${r.outcome}: ${r.errorCode}` : r.outcome,
    ...(btg ? { purposeOfEvent: btg } : {}),
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
        who: r.actor ? { identifier: { value: r.actor } } : { display: 'unauthenticated' },
        requestor: true,
        ...(btg ? { purposeOfUse: btg } : {}),
        ...(r.roles.length ? { role: r.roles.map((role) => ({ text: role })) } : {}),
        ...(r.clientIp ? { network: { address: r.clientIp, type: '2' } } : {}),
        ...(r.userAgent ? { name: r.userAgent.slice(0, 200) } : {}),
      },
      {
        type: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110153', display: 'Source Role ID' }] },
        who: { display: 'Quill Document Store' },
        requestor: false,
        network: { address: o.baseUrl, type: '5' },
      },
    ],
    source: { site: o.odsCode, observer: { identifier: { system: ODS_SYSTEM, value: o.odsCode }, display: 'Quill Document Store' }, type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }] },
    ...(entity.length ? { entity } : {}),
  };
}
