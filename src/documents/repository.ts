/**
 * The documents repository: every statement on documents, document_versions and upload_intents (one implementation,
 * PostgreSQL, so no interface), in one module, split by purpose under repository/.
 */
export * from './repository/documents.ts';
export * from './repository/listing.ts';
export * from './repository/audited-reads.ts';
export * from './repository/intents.ts';
export * from './repository/by-store.ts';
export * from './repository/integrity.ts';
export * from './repository/scans.ts';
export * from './repository/restore-check.ts';
export * from './repository/retention.ts';
export * from './repository/patient-record.ts';
