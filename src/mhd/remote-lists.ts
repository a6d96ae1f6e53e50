import type { Sql } from '../db/sql.ts';
import type { RemoteFhirIndex } from '../fhir/remote-index.ts';
import * as repo from './repository.ts';
import { remoteListResource } from './submission-set.ts';

/**
 * The SubmissionSet Lists on the remote FHIR server ride on their documents' FHIR outbox rows: once the outbox worker
 * has written a document's DocumentReference, it writes here (in the same attempt, under the same lease) every
 * SubmissionSet delivering that document which is not on the server yet. So a List needs no queue of its own: a
 * failure fails the document's row, which is retried with backoff like any other, and the backlog, the metrics and
 * /readyz already count it. The List names its documents by identifier (logical references), so it can be written
 * before the others of its documents, and the server's referential integrity never holds back a disposal; it is written
 * under the store's own id (PUT List/<id>), so two workers writing it at once never make two.
 */
export function remoteListWriter(sql: Sql, remote: RemoteFhirIndex): (documentId: string) => Promise<void> {
  return async (documentId) => {
    for (const set of await repo.awaitingRemote(sql, documentId)) {
      const patient = await remote.patientReference(set.patient);
      await remote.put(remoteListResource(set, set.entries, patient, remote.ownerTag));
      await repo.markWrittenRemote(sql, set.id);
    }
  };
}
