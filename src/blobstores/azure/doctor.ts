import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { BlobStore, StoreCheck } from '../../domain/ports.ts';
import { describe } from './errors.ts';

/** What `doctor` looks at: the container as the store uses it (a probe blob is written through the store itself). */
export interface AzureDoctorTarget {
  store: Pick<BlobStore, 'put' | 'delete'>;
  service: BlobServiceClient;
  container: ContainerClient;
  encryptionScope: string | null;
}

/** Readiness checks of an Azure container (reachable, versioned, encryption scope, soft delete), each with its fix. */
export async function azureDoctor(t: AzureDoctorTarget): Promise<StoreCheck[]> {
  const container = await containerCheck(t);
  if (!container.ok) return [container];
  return [container, ...(await probeChecks(t)), await softDeleteCheck(t)];
}

async function containerCheck(t: AzureDoctorTarget): Promise<StoreCheck> {
  const c = t.container.containerName;
  try {
    return (await t.container.exists())
      ? { name: 'azure.container', ok: true, detail: `container ${c} is reachable` }
      : { name: 'azure.container', ok: false, detail: `container ${c} does not exist`, fix: `az storage container create --account-name ${t.service.accountName} --name ${c} --auth-mode login` };
  } catch (e) {
    return {
      name: 'azure.container',
      ok: false,
      detail: `container ${c} is not reachable: ${describe(e)}`,
      fix: 'check AZURE_STORAGE_CONNECTION_STRING / QUILL_AZURE_ACCOUNT_URL and that this identity has the Storage Blob Data Contributor role',
    };
  }
}

/** Versioning is an account (management-plane) setting: detect it by writing a probe and seeing if it gets a versionId. */
async function probeChecks(t: AzureDoctorTarget): Promise<StoreCheck[]> {
  const account = t.service.accountName;
  const probeKey = `.quill-doctor/probe-${randomUUID()}`;
  const checks: StoreCheck[] = [];
  try {
    const probe = await t.store.put(probeKey, Readable.from([Buffer.from('quill doctor probe')]), { contentType: 'text/plain' });
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
    if (t.encryptionScope) {
      const blob = t.container.getBlockBlobClient(probeKey);
      const props = await (probe.versionId ? blob.withVersion(probe.versionId) : blob).getProperties();
      checks.push(
        props.encryptionScope === t.encryptionScope
          ? { name: 'azure.encryption-scope', ok: true, detail: `uploads use encryption scope ${props.encryptionScope}` }
          : { name: 'azure.encryption-scope', ok: false, detail: `uploads report encryption scope ${props.encryptionScope ?? 'none'}`, fix: `create the scope: az storage account encryption-scope create --account-name ${account} --resource-group <rg> --name ${t.encryptionScope}` },
      );
    }
    await t.store.delete(probeKey, null).catch(() => undefined);
    if (probe.versionId) await t.store.delete(probeKey, probe.versionId).catch(() => undefined);
  } catch (e) {
    checks.push({ name: 'azure.writable', ok: false, detail: `could not write a probe blob: ${describe(e)}`, fix: 'grant this identity the Storage Blob Data Contributor role on the container' });
  }
  return checks;
}

async function softDeleteCheck(t: AzureDoctorTarget): Promise<StoreCheck> {
  try {
    const soft = (await t.service.getProperties()).deleteRetentionPolicy;
    return {
      name: 'azure.soft-delete',
      ok: true,
      detail: soft?.enabled ? `blob soft delete keeps deleted blobs ${soft.days ?? '?'} days` : 'blob soft delete is off (consider enabling it as a safety net)',
    };
  } catch (e) {
    return { name: 'azure.soft-delete', ok: true, detail: `service properties not readable with this identity (${describe(e)}); check soft delete in the portal` };
  }
}
