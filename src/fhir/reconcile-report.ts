/** What `reconcile --fhir` (jobs/reconcile-fhir.ts) reports; restore verification (backup/verify-restore.ts) shows it too. */
export interface FhirReconcileReport {
  checked: number;
  created: number;
  updated: number;
  duplicatesRemoved: number;
  extraRemoved: number;
  errors: string[];
}
