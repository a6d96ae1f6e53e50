// Retention enforced by MinIO's Object Lock: the shared suite (retention-object-lock.ts) on a single MinIO server.
// Without the MinIO binaries the file is skipped (a failure under CI=true).
import { requireServers } from '../support/live-stores.ts';
import { startMinio } from '../support/minio.ts';
import { retentionOnObjectLock } from './retention-object-lock.ts';

if (requireServers('retention on MinIO Object Lock', { minio: true, seaweedfs: false, azurite: false })) retentionOnObjectLock('MinIO', () => startMinio());
