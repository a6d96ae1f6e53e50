import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { DefaultAzureCredential } from '@azure/identity';
import {
  BlobSASPermissions,
  BlobServiceClient,
  SASProtocol,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
  type BlobSASSignatureValues,
  type ContainerClient,
  newPipeline,
  type RequestPolicyFactory,
  type UserDelegationKey,
} from '@azure/storage-blob';
import type { AzureSettings } from '../config/store-config.ts';
import { AppError } from '../domain/errors.ts';
import { storeSystemError } from './store-errors.ts';
import type { BlobListing, BlobPutOptions, BlobPutResult, BlobStore, PresignOptions, StoreCheck, StoreRetention } from '../domain/ports.ts';
import { attachmentDisposition } from './content-disposition.ts';
import { idleTimeoutAgents, type IdleTimeoutAgents } from './idle-timeout-agents.ts';

/** Block size for streamed uploads and how many blocks are staged at once: memory stays near size × (concurrency + 1). */
export const AZURE_BLOCK_SIZE = 8 * 1024 * 1024;
export const AZURE_CONCURRENCY = 4;
/** QUILL_AZURE_TIMEOUT_MS's default: the longest an Azure request may go with no byte moving, per try. */
const DEFAULT_TIMEOUT_MS = 20_000;
/** User delegation keys may live up to seven days; we ask for one day and renew early. */
const DELEGATION_KEY_SECONDS = 24 * 3600;
/** Clock-skew allowance for SAS start times. */
const SAS_SKEW_MS = 5 * 60 * 1000;

/**
 * Azure Blob Storage (block blobs). Keys are written once: every upload is conditional on the blob not existing
 * (If-None-Match: *), so even an account without blob versioning cannot overwrite a stored document. Where the
 * account has versioning, the versionId of each upload is returned and reads/URLs are bound to it.
 */
export class AzureBlobStore implements BlobStore {
  /** The store's name (the built-in `azure`, or a QUILL_STORES name): what its versions record. */
  readonly kind: string;
  readonly containerName: string;
  readonly #cfg: AzureSettings;
  readonly #service: BlobServiceClient;
  readonly #container: ContainerClient;
  readonly #sharedKey: StorageSharedKeyCredential | null;
  #delegation: { key: UserDelegationKey; expires: number } | null = null;

  constructor(cfg: AzureSettings & { name?: string }) {
    if (!cfg.container) throw new AppError('internal_error', 'Azure blob store needs a container (QUILL_AZURE_CONTAINER)');
    this.kind = cfg.name ?? 'azure';
    this.containerName = cfg.container;
    this.#cfg = cfg;
    // the connection string is read by the SDK (account URL and credential); the client is then built on our pipeline
    const parsed = cfg.connectionString ? BlobServiceClient.fromConnectionString(cfg.connectionString) : null;
    const url = parsed?.url ?? cfg.accountUrl;
    if (!url) throw new AppError('internal_error', 'Azure blob store needs AZURE_STORAGE_CONNECTION_STRING or QUILL_AZURE_ACCOUNT_URL');
    const pipeline = newPipeline(parsed ? parsed.credential : new DefaultAzureCredential(), {
      retryOptions: { maxTries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 4_000 },
    });
    // QUILL_AZURE_TIMEOUT_MS: a store that goes silent fails the request (503) instead of holding it for ever
    pipeline.factories.push(useAgents(idleTimeoutAgents(cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS)));
    this.#service = new BlobServiceClient(url, pipeline);
    this.#sharedKey = this.#service.credential instanceof StorageSharedKeyCredential ? this.#service.credential : null;
    this.#container = this.#service.getContainerClient(cfg.container);
    // Version-level immutability (QUILL_AZURE_IMMUTABILITY): the container (or account) must have version-level
    // immutability support enabled; each version then gets a time-based policy until its retention date, extended as
    // retention grows, and a legal hold while a hold covers the document. Azurite does not implement immutability
    // policies, so this path is untested here; the same flow is tested on S3 Object Lock (SeaweedFS).
    const mode = cfg.immutability === 'locked' ? 'Locked' : cfg.immutability === 'unlocked' ? 'Unlocked' : null;
    this.retention = mode
      ? {
          setRetainUntil: async (key, versionId, until) => {
            await this.#blob(key, versionId).setImmutabilityPolicy({ expiriesOn: until, policyMode: mode });
          },
          setLegalHold: async (key, versionId, on) => {
            await this.#blob(key, versionId).setLegalHold(on);
          },
        }
      : undefined;
  }

  /** Version-level immutability, when QUILL_AZURE_IMMUTABILITY is set (see the constructor). */
  readonly retention: StoreRetention | undefined;

  #blob(key: string, versionId: string | null) {
    const b = this.#container.getBlockBlobClient(key);
    return versionId ? b.withVersion(versionId) : b;
  }

  async put(key: string, body: Readable, opts: BlobPutOptions): Promise<BlobPutResult> {
    const expected = opts.expectedSha256;
    const hash = expected ? createHash('sha256') : null;
    let bodyError: unknown;
    // Iterate the body ourselves: a body that closes early (client abort) then fails the upload instead of hanging
    // it, and an expected SHA-256 is checked before the block list is committed (Azure itself only knows MD5/CRC64).
    async function* checked(): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of body) {
          const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
          hash?.update(b);
          yield b;
        }
      } catch (e) {
        bodyError ??= e;
        throw e;
      }
      if (hash && expected && !hash.digest().equals(expected)) {
        throw new AppError('digest_mismatch', 'the SHA-256 of the bytes received does not match the one declared');
      }
    }
    const wrapper = Readable.from(checked());
    try {
      const out = await this.#container.getBlockBlobClient(key).uploadStream(wrapper, AZURE_BLOCK_SIZE, AZURE_CONCURRENCY, {
        blobHTTPHeaders: { blobContentType: opts.contentType },
        conditions: { ifNoneMatch: '*' },
        ...(this.#cfg.encryptionScope ? { encryptionScope: this.#cfg.encryptionScope } : {}),
      });
      // Azure takes the policy on the committed version (not in the upload itself): set it before the metadata commits
      if (this.retention && opts.retainUntil && opts.retainUntil.getTime() > Date.now()) await this.retention.setRetainUntil(key, out.versionId ?? null, opts.retainUntil);
      return { versionId: out.versionId ?? null };
    } catch (e) {
      wrapper.destroy();
      if (!body.destroyed) body.destroy();
      if (bodyError !== undefined) throw bodyError;
      if (e instanceof AppError) throw e;
      const code = restCode(e);
      if (code === 'BlobAlreadyExists' || code === 'ConditionNotMet' || statusOf(e) === 409 || statusOf(e) === 412) {
        throw new AppError('object_exists', `object key ${key} already exists; keys are never reused`, {}, { cause: e });
      }
      throw this.#mapError(e, `storing ${key}`);
    }
  }

  async get(key: string, versionId: string | null): Promise<Readable> {
    try {
      const res = await this.#blob(key, versionId).download(0, undefined, { maxRetryRequests: 3 });
      if (!res.readableStreamBody) throw new AppError('not_found', 'the stored object has no body');
      return res.readableStreamBody as Readable;
    } catch (e) {
      throw this.#mapError(e, `reading ${key}`);
    }
  }

  async presign(key: string, versionId: string | null, opts: PresignOptions): Promise<string> {
    const now = Date.now();
    const expiresOn = new Date(now + Math.max(1, Math.floor(opts.expiresInSeconds)) * 1000);
    const blob = this.#blob(key, versionId);
    const values: BlobSASSignatureValues = {
      containerName: this.containerName,
      blobName: key,
      permissions: BlobSASPermissions.parse('r'),
      startsOn: new Date(now - SAS_SKEW_MS),
      expiresOn,
      // HTTPS only, except for a local emulator (Azurite) that only speaks http.
      protocol: isLocalHttp(blob.url) ? SASProtocol.HttpsAndHttp : SASProtocol.Https,
      contentDisposition: attachmentDisposition(opts.filename),
      contentType: opts.contentType,
      ...(versionId ? { versionId } : {}),
      ...(this.#cfg.encryptionScope ? { encryptionScope: this.#cfg.encryptionScope } : {}),
    };
    let sas: string;
    if (this.#sharedKey) {
      sas = generateBlobSASQueryParameters(values, this.#sharedKey).toString();
    } else {
      const key = await this.#delegationKey(expiresOn.getTime());
      sas = generateBlobSASQueryParameters(values, key, this.#service.accountName).toString();
    }
    // blob.url already carries versionid for a version-bound client. The SAS string is appended verbatim (the SDK
    // percent-encodes it; re-encoding through URLSearchParams would turn spaces into '+').
    return `${blob.url}${blob.url.includes('?') ? '&' : '?'}${sas}`;
  }

  /** A user delegation key (Entra ID credentials) that outlives the requested expiry; cached and renewed early. */
  async #delegationKey(untilMs: number): Promise<UserDelegationKey> {
    if (this.#delegation && this.#delegation.expires > untilMs + 60_000) return this.#delegation.key;
    const now = Date.now();
    const expires = Math.max(now + DELEGATION_KEY_SECONDS * 1000, untilMs + 3600_000);
    if (expires > now + 7 * 24 * 3600_000) throw new AppError('validation_failed', 'Azure download URLs cannot outlive seven days');
    try {
      const res = await this.#service.getUserDelegationKey(new Date(now - SAS_SKEW_MS), new Date(expires));
      this.#delegation = { key: res, expires };
      return res;
    } catch (e) {
      throw this.#mapError(e, 'getting a user delegation key for download URLs');
    }
  }

  async delete(key: string, versionId: string | null): Promise<void> {
    try {
      if (versionId) await this.#blob(key, versionId).deleteIfExists();
      else await this.#blob(key, null).deleteIfExists({ deleteSnapshots: 'include' });
    } catch (e) {
      const status = statusOf(e);
      if (status === 403 || status === 409) {
        // Immutability policy, legal hold or lease: by design.
        throw new AppError('forbidden', `the object store refused to delete ${key} (${restCode(e) ?? status})`, {}, { cause: e });
      }
      throw this.#mapError(e, `deleting ${key}`);
    }
  }

  /** Uncommitted blocks of an interrupted upload are discarded by Azure itself after 7 days; nothing to abort. */
  async abortIncompleteUploads(_startedBefore: Date): Promise<number> {
    return 0;
  }

  async *list(prefix: string): AsyncIterable<BlobListing> {
    try {
      for await (const item of this.#container.listBlobsFlat({ prefix, includeVersions: true })) {
        if (item.deleted) continue;
        yield {
          key: item.name,
          versionId: item.versionId ?? null,
          size: item.properties.contentLength ?? 0,
          lastModified: item.properties.lastModified,
        };
      }
    } catch (e) {
      throw this.#mapError(e, `listing ${prefix}`);
    }
  }

  async ping(): Promise<void> {
    let exists: boolean;
    try {
      exists = await this.#container.exists();
    } catch (e) {
      throw unavailable(`Azure container ${this.containerName} is not usable: ${describe(e)}`, e);
    }
    if (!exists) throw unavailable(`Azure container ${this.containerName} does not exist`, null);
  }

  async doctor(): Promise<StoreCheck[]> {
    const checks: StoreCheck[] = [];
    const c = this.containerName;
    const account = this.#service.accountName;
    try {
      const exists = await this.#container.exists();
      if (!exists) {
        checks.push({ name: 'azure.container', ok: false, detail: `container ${c} does not exist`, fix: `az storage container create --account-name ${account} --name ${c} --auth-mode login` });
        return checks;
      }
      checks.push({ name: 'azure.container', ok: true, detail: `container ${c} is reachable` });
    } catch (e) {
      checks.push({
        name: 'azure.container',
        ok: false,
        detail: `container ${c} is not reachable: ${describe(e)}`,
        fix: 'check AZURE_STORAGE_CONNECTION_STRING / QUILL_AZURE_ACCOUNT_URL and that this identity has the Storage Blob Data Contributor role',
      });
      return checks;
    }

    // Versioning is an account (management-plane) setting: detect it by writing a probe and seeing if it gets a versionId.
    const probeKey = `.quill-doctor/probe-${randomUUID()}`;
    try {
      const probe = await this.put(probeKey, Readable.from([Buffer.from('quill doctor probe')]), { contentType: 'text/plain' });
      checks.push(
        probe.versionId
          ? { name: 'azure.versioning', ok: true, detail: 'blob versioning is enabled (uploads get a versionId)' }
          : {
              name: 'azure.versioning',
              ok: false,
              detail: 'blob versioning is off: uploads get no versionId (keys are still written once, with If-None-Match)',
              fix: `az storage account blob-service-properties update --account-name ${account} --resource-group <rg> --enable-versioning true`,
            },
      );
      if (this.#cfg.encryptionScope) {
        const props = await this.#blob(probeKey, probe.versionId).getProperties();
        checks.push(
          props.encryptionScope === this.#cfg.encryptionScope
            ? { name: 'azure.encryption-scope', ok: true, detail: `uploads use encryption scope ${props.encryptionScope}` }
            : { name: 'azure.encryption-scope', ok: false, detail: `uploads report encryption scope ${props.encryptionScope ?? 'none'}`, fix: `create the scope: az storage account encryption-scope create --account-name ${account} --resource-group <rg> --name ${this.#cfg.encryptionScope}` },
        );
      }
      await this.delete(probeKey, null).catch(() => undefined);
      if (probe.versionId) await this.delete(probeKey, probe.versionId).catch(() => undefined);
    } catch (e) {
      checks.push({ name: 'azure.writable', ok: false, detail: `could not write a probe blob: ${describe(e)}`, fix: 'grant this identity the Storage Blob Data Contributor role on the container' });
    }

    try {
      const props = await this.#service.getProperties();
      const soft = props.deleteRetentionPolicy;
      checks.push({
        name: 'azure.soft-delete',
        ok: true,
        detail: soft?.enabled ? `blob soft delete keeps deleted blobs ${soft.days ?? '?'} days` : 'blob soft delete is off (consider enabling it as a safety net)',
      });
    } catch (e) {
      checks.push({ name: 'azure.soft-delete', ok: true, detail: `service properties not readable with this identity (${describe(e)}); check soft delete in the portal` });
    }
    return checks;
  }

  #mapError(e: unknown, what: string): unknown {
    if (e instanceof AppError) return e;
    const system = storeSystemError(e, 'Azure', what);
    if (system) return system;
    const status = statusOf(e);
    const code = restCode(e);
    if (status === 404 && code !== 'ContainerNotFound') return new AppError('not_found', 'the stored object is missing', {}, { cause: e });
    const transport = status === undefined && ((e as { name?: unknown }).name === 'RestError' || (code !== undefined && /^(E[A-Z]+|REQUEST_SEND_ERROR)$/.test(code)));
    if (code === 'ContainerNotFound' || transport || (status !== undefined && (status >= 500 || status === 401 || status === 403 || status === 429))) {
      return unavailable(`Azure ${what} failed: ${describe(e)}`, e);
    }
    return e;
  }
}

function isLocalHttp(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}

const unavailable = (msg: string, cause: unknown): AppError => new AppError('storage_unavailable', msg, { layer: 'blob' }, { cause, retryAfter: 5 });

function statusOf(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

function restCode(e: unknown): string | undefined {
  const err = e as { code?: unknown; details?: { errorCode?: unknown } } | null;
  if (typeof err?.details?.errorCode === 'string') return err.details.errorCode;
  return typeof err?.code === 'string' ? err.code : undefined;
}

function describe(e: unknown): string {
  if (typeof e !== 'object' || e === null) return String(e);
  const err = e as { message?: string; name?: string };
  const code = restCode(e);
  const status = statusOf(e);
  const first = (err.message ?? err.name ?? 'error').split('\n')[0];
  return `${code ? `${code}: ` : ''}${first}${status ? ` (HTTP ${status})` : ''}`;
}

/**
 * A pipeline step that sends each request through these agents (the SDK's own have no idle bound). It runs after the
 * SDK's proxy step: a request that already has an agent (an HTTP(S)_PROXY one) keeps it, so proxies still work.
 */
function useAgents(agents: IdleTimeoutAgents): RequestPolicyFactory {
  return {
    create: (next) => ({
      sendRequest: (request) => {
        request.agent ??= request.url.startsWith('https:') ? agents.https : agents.http;
        return next.sendRequest(request);
      },
    }),
  };
}
