import type { ContainerClient } from '@azure/storage-blob';
import type { AzureSettings } from '../../config/store-config.ts';
import type { StoreRetention } from '../../domain/ports.ts';

/**
 * Version-level immutability (QUILL_AZURE_IMMUTABILITY): the container (or account) must have version-level
 * immutability support enabled; each document version then gets a time-based policy until its retention date,
 * extended as retention grows, and a legal hold while a hold covers the document. Records are not made write-once
 * here (writeOnce is false): only documents are. Azurite does not implement immutability policies, so this path is
 * untested here; the same flow is tested on S3 Object Lock (SeaweedFS).
 */
export function azureImmutability(container: ContainerClient, setting: AzureSettings['immutability']): StoreRetention | undefined {
  const mode = setting === 'locked' ? 'Locked' : setting === 'unlocked' ? 'Unlocked' : null;
  if (!mode) return undefined;
  const blob = (key: string, versionId: string | null) => {
    const b = container.getBlockBlobClient(key);
    return versionId ? b.withVersion(versionId) : b;
  };
  return {
    locksDocuments: true,
    setRetainUntil: async (key, versionId, until) => {
      await blob(key, versionId).setImmutabilityPolicy({ expiriesOn: until, policyMode: mode });
    },
    setLegalHold: async (key, versionId, on) => {
      await blob(key, versionId).setLegalHold(on);
    },
    writeOnce: async () => false,
  };
}
