import type { Identifier, Reference, Resource } from '@medplum/fhirtypes';
import { validatePatient } from '../documents/metadata.ts';
import { AppError } from '../domain/errors.ts';
import { NHS_NUMBER_SYSTEM } from '../fhir/systems.ts';

/**
 * The NHS number a submitted resource's subject names: `subject.identifier`, or the identifier of the Patient the
 * subject references among the resource's `contained` resources (`#id`). A literal reference to a Patient elsewhere
 * (a PDQm server's) is not looked up: the subject must then carry the identifier beside its reference. `path` is the
 * subject's FHIRPath, for the refusal.
 */
export function patientOf(subject: Reference | undefined, contained: Resource[] | undefined, path: string): string {
  if (!subject) throw new AppError('validation_failed', `${path} is required: the patient's NHS number (identifier system ${NHS_NUMBER_SYSTEM})`, { field: path });
  if (subject.identifier) return nhsNumberOf([subject.identifier], `${path}.identifier`);
  const ref = subject.reference ?? '';
  if (ref.startsWith('#')) {
    const patient = contained?.find((r) => r.id === ref.slice(1));
    if (patient?.resourceType !== 'Patient') throw new AppError('validation_failed', `${path} references ${ref}, which is not a contained Patient`, { field: `${path}.reference` });
    return nhsNumberOf(patient.identifier ?? [], `${path}.reference`);
  }
  throw new AppError(
    'validation_failed',
    `${path} must name the patient by NHS number: subject.identifier (system ${NHS_NUMBER_SYSTEM}), or a contained Patient with that identifier; a reference alone (${ref.slice(0, 200) || 'none'}) is not looked up`,
    { field: path },
  );
}

function nhsNumberOf(identifiers: Identifier[], path: string): string {
  const nhs = identifiers.find((i) => i.system === NHS_NUMBER_SYSTEM);
  if (!nhs) {
    const systems = identifiers.map((i) => i.system ?? '(no system)').join(', ').slice(0, 300);
    throw new AppError('unknown_patient_identifier_system', `the patient must be identified by ${NHS_NUMBER_SYSTEM}; ${path} has ${systems || 'no identifier'}`, { field: path });
  }
  try {
    return validatePatient(nhs.value);
  } catch (e) {
    throw new AppError('invalid_nhs_number', `${path} is not a valid NHS number (10 digits with a valid check digit)`, { field: path }, { cause: e });
  }
}
