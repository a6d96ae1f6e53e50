import type { Coding } from './document.ts';

export const SNOMED = 'http://snomed.info/sct';

export interface DocumentTypeEntry extends Coding {
  /** The category a document of this type gets when the uploader names none. */
  defaultCategory: string;
  /** Its retention class (a code in the retention schedule); a type without one is kept as 'adult'. */
  retentionClass?: string | undefined;
}

export interface DocumentValueSet {
  types: DocumentTypeEntry[];
  categories: Coding[];
}

/**
 * Common UK clinical document types (SNOMED CT record artifacts). An organisation replaces the whole set with
 * QUILL_DOCUMENT_TYPES_FILE (same JSON shape).
 */
export const defaultValueSet: DocumentValueSet = {
  types: [
    { system: SNOMED, code: '373942005', display: 'Discharge summary', defaultCategory: '371531000', retentionClass: 'adult' },
    { system: SNOMED, code: '371530004', display: 'Clinical consultation report', defaultCategory: '371531000', retentionClass: 'adult' },
    { system: SNOMED, code: '3457005', display: 'Patient referral', defaultCategory: '371531000', retentionClass: 'adult' },
    { system: SNOMED, code: '4241000179101', display: 'Laboratory report', defaultCategory: '721981007', retentionClass: 'adult' },
    { system: SNOMED, code: '4201000179104', display: 'Imaging report', defaultCategory: '721981007', retentionClass: 'adult' },
    { system: SNOMED, code: '371525003', display: 'Clinical procedure report', defaultCategory: '371531000', retentionClass: 'adult' },
    { system: SNOMED, code: '734163000', display: 'Care plan', defaultCategory: '734163000', retentionClass: 'adult' },
    { system: SNOMED, code: '419891008', display: 'Record artifact', defaultCategory: '419891008', retentionClass: 'adult' },
  ],
  categories: [
    { system: SNOMED, code: '371531000', display: 'Report of clinical encounter' },
    { system: SNOMED, code: '721981007', display: 'Diagnostic studies report' },
    { system: SNOMED, code: '734163000', display: 'Care plan' },
    { system: SNOMED, code: '419891008', display: 'Record artifact' },
  ],
};

export function findType(set: DocumentValueSet, code: string): DocumentTypeEntry | undefined {
  return set.types.find((t) => t.code === code);
}

export function findCategory(set: DocumentValueSet, code: string): Coding | undefined {
  return set.categories.find((c) => c.code === code);
}
