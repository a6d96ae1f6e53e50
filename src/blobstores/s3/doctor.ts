import {
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { S3Settings } from '../../config/store-config.ts';
import type { StoreCheck } from '../../domain/ports.ts';
import { describe, errorName } from './errors.ts';

/** What `doctor` looks at: the bucket as the store uses it. */
export interface S3DoctorTarget {
  client: S3Client;
  bucket: string;
  cfg: S3Settings;
  /** QUILL_BROWSER_DOWNLOADS: browsers fetch presigned URLs cross-origin, so a CORS rule allowing GET is required. */
  browserDownloads: boolean;
  /** Lifecycle rules must not expire noncurrent versions sooner than this (the point-in-time restore window). */
  retentionDays: number;
}

/** Readiness checks of an S3 bucket (reachable, versioned, encrypted, Object Lock, CORS, lifecycle), each with its fix. */
export async function s3Doctor(t: S3DoctorTarget): Promise<StoreCheck[]> {
  const cli = `aws s3api${t.cfg.endpoint ? ` --endpoint-url ${t.cfg.endpoint}` : ''}`;
  const bucket = await bucketCheck(t, cli);
  if (!bucket.ok) return [bucket]; // nothing else can be read
  return [
    bucket,
    await versioningCheck(t, cli),
    await encryptionCheck(t, cli),
    ...(t.cfg.objectLockMode ? [await objectLockCheck(t, cli, t.cfg.objectLockMode)] : []),
    await corsCheck(t, cli),
    await lifecycleCheck(t, cli),
  ];
}

async function bucketCheck(t: S3DoctorTarget, cli: string): Promise<StoreCheck> {
  const b = t.bucket;
  try {
    await t.client.send(new HeadBucketCommand({ Bucket: b }));
    return { name: 's3.bucket', ok: true, detail: `bucket ${b} is reachable` };
  } catch (e) {
    return {
      name: 's3.bucket',
      ok: false,
      detail: `bucket ${b} is not reachable: ${describe(e)}`,
      fix: `check QUILL_S3_ENDPOINT/AWS_REGION and the credentials, and that the bucket exists (${cli} create-bucket --bucket ${b}); the role needs s3:ListBucket on it`,
    };
  }
}

async function versioningCheck(t: S3DoctorTarget, cli: string): Promise<StoreCheck> {
  try {
    const v = await t.client.send(new GetBucketVersioningCommand({ Bucket: t.bucket }));
    return v.Status === 'Enabled'
      ? { name: 's3.versioning', ok: true, detail: 'versioning is Enabled' }
      : {
          name: 's3.versioning',
          ok: false,
          detail: `versioning is ${v.Status ?? 'not enabled'}; document versions could be lost if a key were ever rewritten`,
          fix: `${cli} put-bucket-versioning --bucket ${t.bucket} --versioning-configuration Status=Enabled`,
        };
  } catch (e) {
    return { name: 's3.versioning', ok: false, detail: `could not read the versioning status: ${describe(e)}`, fix: 'grant s3:GetBucketVersioning to this service' };
  }
}

async function encryptionCheck(t: S3DoctorTarget, cli: string): Promise<StoreCheck> {
  const { sse, kmsKeyId } = t.cfg;
  const encFix =
    sse === 'aws:kms'
      ? `${cli} put-bucket-encryption --bucket ${t.bucket} --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"${kmsKeyId ?? '<key-arn>'}"},"BucketKeyEnabled":true}]}'`
      : `${cli} put-bucket-encryption --bucket ${t.bucket} --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'`;
  try {
    const enc = await t.client.send(new GetBucketEncryptionCommand({ Bucket: t.bucket }));
    const rule = enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
    return rule?.SSEAlgorithm
      ? { name: 's3.encryption', ok: true, detail: `default encryption ${rule.SSEAlgorithm}${rule.KMSMasterKeyID ? ` (${rule.KMSMasterKeyID})` : ''}; every PUT also sends ${sse}` }
      : { name: 's3.encryption', ok: false, detail: 'no default encryption rule', fix: encFix };
  } catch (e) {
    return errorName(e) === 'ServerSideEncryptionConfigurationNotFoundError'
      ? { name: 's3.encryption', ok: false, detail: `no default bucket encryption (every PUT still sends ${sse})`, fix: encFix }
      : { name: 's3.encryption', ok: false, detail: `could not read the default encryption: ${describe(e)}`, fix: `grant s3:GetEncryptionConfiguration to this service, or: ${encFix}` };
  }
}

async function objectLockCheck(t: S3DoctorTarget, cli: string, lockMode: string): Promise<StoreCheck> {
  const b = t.bucket;
  const lockFix = `Object Lock can only be enabled on a versioned bucket: create a new bucket with ${cli} create-bucket --bucket <name> --object-lock-enabled-for-bucket (or, on AWS, ${cli} put-object-lock-configuration --bucket ${b} --object-lock-configuration ObjectLockEnabled=Enabled), migrate the documents with quill-docstore migrate-blobs, or unset QUILL_S3_OBJECT_LOCK_MODE`;
  try {
    const lc = await t.client.send(new GetObjectLockConfigurationCommand({ Bucket: b }));
    return lc.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled'
      ? { name: 's3.object-lock', ok: true, detail: `Object Lock is enabled; versions are written in ${lockMode} mode until their retention date` }
      : { name: 's3.object-lock', ok: false, detail: `QUILL_S3_OBJECT_LOCK_MODE=${lockMode} but Object Lock is not enabled on bucket ${b}`, fix: lockFix };
  } catch (e) {
    return { name: 's3.object-lock', ok: false, detail: `QUILL_S3_OBJECT_LOCK_MODE=${lockMode} but bucket ${b} has no Object Lock configuration: ${describe(e)}`, fix: lockFix };
  }
}

async function corsCheck(t: S3DoctorTarget, cli: string): Promise<StoreCheck> {
  const browser = t.browserDownloads;
  const corsFix = `${cli} put-bucket-cors --bucket ${t.bucket} --cors-configuration '{"CORSRules":[{"AllowedOrigins":["https://<your-app-origin>"],"AllowedMethods":["GET","HEAD"],"AllowedHeaders":["*"],"ExposeHeaders":["Content-Disposition","Content-Length","Content-Type","ETag"],"MaxAgeSeconds":3600}]}'`;
  try {
    const cors = await t.client.send(new GetBucketCorsCommand({ Bucket: t.bucket }));
    const getRule = (cors.CORSRules ?? []).find((r) => r.AllowedMethods?.includes('GET'));
    return getRule
      ? { name: 's3.cors', ok: true, detail: `CORS allows GET from ${(getRule.AllowedOrigins ?? []).join(', ')}` }
      : { name: 's3.cors', ok: !browser, detail: 'CORS rules exist but none allows GET', ...(browser ? { fix: corsFix } : {}) };
  } catch (e) {
    const absent = errorName(e) === 'NoSuchCORSConfiguration';
    return browser
      ? { name: 's3.cors', ok: false, detail: absent ? 'no CORS rule, but QUILL_BROWSER_DOWNLOADS=true' : `could not read CORS: ${describe(e)}`, fix: corsFix }
      : { name: 's3.cors', ok: true, detail: absent ? 'no CORS rule (only needed when browsers fetch presigned URLs directly: QUILL_BROWSER_DOWNLOADS=true)' : `CORS not readable (${describe(e)}); only needed for browser downloads` };
  }
}

async function lifecycleCheck(t: S3DoctorTarget, cli: string): Promise<StoreCheck> {
  const days = t.retentionDays;
  try {
    const lc = await t.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: t.bucket }));
    const rules = (lc.Rules ?? []).filter((r) => r.Status === 'Enabled');
    const short = rules.filter((r) => r.NoncurrentVersionExpiration?.NoncurrentDays !== undefined && r.NoncurrentVersionExpiration.NoncurrentDays < days);
    const expiring = rules.filter((r) => r.Expiration?.Days !== undefined || r.Expiration?.Date !== undefined);
    if (short.length || expiring.length) {
      return {
        name: 's3.lifecycle',
        ok: false,
        detail: [
          short.length ? `rule(s) ${short.map((r) => r.ID ?? '?').join(', ')} expire noncurrent versions in under ${days} days (the point-in-time restore window)` : '',
          expiring.length ? `rule(s) ${expiring.map((r) => r.ID ?? '?').join(', ')} expire current versions (clinical records must not expire by lifecycle)` : '',
        ].filter(Boolean).join('; '),
        fix: `${cli} get-bucket-lifecycle-configuration --bucket ${t.bucket}, then raise NoncurrentVersionExpiration.NoncurrentDays to at least ${days} and remove Expiration from rules covering document keys (put-bucket-lifecycle-configuration)`,
      };
    }
    const abortRule = rules.some((r) => r.AbortIncompleteMultipartUpload?.DaysAfterInitiation !== undefined);
    return {
      name: 's3.lifecycle',
      ok: true,
      detail: `${rules.length} enabled rule(s), none expiring versions early${abortRule ? '' : '; consider an AbortIncompleteMultipartUpload rule to reclaim parts of failed uploads'}`,
    };
  } catch (e) {
    return errorName(e) === 'NoSuchLifecycleConfiguration'
      ? { name: 's3.lifecycle', ok: true, detail: 'no lifecycle rules (nothing expires); consider an AbortIncompleteMultipartUpload rule' }
      : { name: 's3.lifecycle', ok: false, detail: `could not read the lifecycle configuration: ${describe(e)}`, fix: 'grant s3:GetLifecycleConfiguration to this service' };
  }
}
