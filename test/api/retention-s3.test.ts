// Retention enforced by SeaweedFS's Object Lock: the shared suite (retention-object-lock.ts) on `weed mini`.
// Without the weed binary the file is skipped (a failure under CI=true).
import { requireServers } from '../support/live-stores.ts';
import { startSeaweed } from '../support/seaweedfs.ts';
import { retentionOnObjectLock } from './retention-object-lock.ts';

if (requireServers('retention on S3 Object Lock')) retentionOnObjectLock('SeaweedFS', () => startSeaweed());
