import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient, newPipeline, StorageSharedKeyCredential, type RequestPolicyFactory } from '@azure/storage-blob';
import type { AzureSettings } from '../../config/store-config.ts';
import { AppError } from '../../domain/errors.ts';
import { idleTimeoutAgents, type IdleTimeoutAgents } from '../idle-timeout-agents.ts';

/** QUILL_AZURE_TIMEOUT_MS's default: the longest an Azure request may go with no byte moving, per try. */
const DEFAULT_TIMEOUT_MS = 20_000;

export interface AzureService {
  service: BlobServiceClient;
  /** The account key when the connection string carries one (it signs download URLs); else Entra ID credentials. */
  sharedKey: StorageSharedKeyCredential | null;
}

/** The account's client: the connection string's (or the account URL with Entra ID credentials), on our pipeline. */
export function azureService(cfg: AzureSettings): AzureService {
  // the connection string is read by the SDK (account URL and credential); the client is then built on our pipeline
  const parsed = cfg.connectionString ? BlobServiceClient.fromConnectionString(cfg.connectionString) : null;
  const url = parsed?.url ?? cfg.accountUrl;
  if (!url) throw new AppError('internal_error', 'Azure blob store needs AZURE_STORAGE_CONNECTION_STRING or QUILL_AZURE_ACCOUNT_URL');
  const pipeline = newPipeline(parsed ? parsed.credential : new DefaultAzureCredential(), {
    retryOptions: { maxTries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 4_000 },
  });
  // QUILL_AZURE_TIMEOUT_MS: a store that goes silent fails the request (503) instead of holding it for ever
  pipeline.factories.push(useAgents(idleTimeoutAgents(cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS)));
  const service = new BlobServiceClient(url, pipeline);
  return { service, sharedKey: service.credential instanceof StorageSharedKeyCredential ? service.credential : null };
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
