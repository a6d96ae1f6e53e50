import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  BlobSASPermissions,
  SASProtocol,
  generateBlobSASQueryParameters,
  type BlobSASSignatureValues,
  type BlobServiceClient,
  type ContainerClient,
  type StorageSharedKeyCredential,
  type UserDelegationKey,
} from '@azure/storage-blob';
import type { AzureSettings } from '../../config/store-config.ts';
import { AppError } from '../../domain/errors.ts';
import type { BlobComposer, BlobListing, BlobPutOptions, BlobPutResult, BlobStore, PresignOptions, StoreCheck, StoreRetention } from '../../domain/ports.ts';
import { attachmentDisposition } from '../content-disposition.ts';
import { azureService } from './client.ts';
import { azureDoctor } from './doctor.ts';
import { describe, mapAzureError, restCode, statusOf, unavailable } from './errors.ts';
import { azureImmutability } from './immutability.ts';
import { AzureComposer } from './azure-compose.ts';

/** Block size for streamed uploads and how many blocks are staged at once: memory stays near size × (concurrency + 1). */
export const AZURE_BLOCK_SIZE = 8 * 1024 * 1024;
export const AZURE_CONCURRENCY = 4;
/** User delegation keys may live up to seven days; we ask for one day and renew early. */
const DELEGATION_KEY_SECONDS = 24 * 3600;
/** Clock-skew allowance for SAS start times. */
const SAS_SKEW_MS = 5 * 60 * 1000;

/**
 * Azure Blob Storage (block blobs): the data path. Keys are written once: every upload is conditional on the blob not
 * existing (If-None-Match: *), so even an account without blob versioning cannot overwrite a stored document. Where
 * the account has versioning, the versionId of each upload is returned and reads/URLs are bound to it. The client is
 * made in client.ts, the readiness checks are doctor.ts's, immutability is immutability.ts's and errors are read by
 * errors.ts.
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
    ({ service: this.#service, sharedKey: this.#sharedKey } = azureService(cfg));
    this.#container = this.#service.getContainerClient(cfg.container);
    this.retention = azureImmutability(this.#container, cfg.immutability);
    this.composer = new AzureComposer({ container: this.#container, blockSize: AZURE_BLOCK_SIZE, concurrency: AZURE_CONCURRENCY, encryptionScope: cfg.encryptionScope ?? undefined });
  }

  /** Version-level immutability, when QUILL_AZURE_IMMUTABILITY is set (immutability.ts). */
  readonly retention: StoreRetention | undefined;
  /** Resumable uploads: the PATCHes staged as blocks, committed once (azure-compose.ts). */
  readonly composer: BlobComposer;

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
      if (this.retention?.locksDocuments && opts.retainUntil && opts.retainUntil.getTime() > Date.now()) await this.retention.setRetainUntil(key, out.versionId ?? null, opts.retainUntil);
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
      throw mapAzureError(e, `storing ${key}`);
    }
  }

  async get(key: string, versionId: string | null): Promise<Readable> {
    try {
      const res = await this.#blob(key, versionId).download(0, undefined, { maxRetryRequests: 3 });
      if (!res.readableStreamBody) throw new AppError('not_found', 'the stored object has no body');
      return res.readableStreamBody as Readable;
    } catch (e) {
      throw mapAzureError(e, `reading ${key}`);
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
      throw mapAzureError(e, 'getting a user delegation key for download URLs');
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
      throw mapAzureError(e, `deleting ${key}`);
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
      throw mapAzureError(e, `listing ${prefix}`);
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

  doctor(): Promise<StoreCheck[]> {
    return azureDoctor({ store: this, service: this.#service, container: this.#container, encryptionScope: this.#cfg.encryptionScope });
  }
}

function isLocalHttp(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}
