import { readFileSync } from 'node:fs';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3Settings } from '../../config/store-config.ts';
import { endpointAgents } from './proxy-agents.ts';

/** Test and embedding hooks; production takes credentials and region from the store's settings or the default AWS chain. */
export interface S3ClientOptions {
  region?: string;
  credentials?: S3ClientConfig['credentials'];
  /** Attempts per request (SDK default 3). */
  maxAttempts?: number;
}

/** QUILL_S3_TIMEOUT_MS's default: the longest an S3 request may go with no byte moving, per attempt. */
const DEFAULT_TIMEOUT_MS = 20_000;

export interface S3Clients {
  client: S3Client;
  /** Presigning client: never embeds checksum headers or params a plain browser GET would not send. */
  presigner: S3Client;
}

/** The store's two clients, on one keep-alive connection pool with the store's endpoint, CA bundle, timeout and keys. */
export function s3Clients(cfg: S3Settings, opts: S3ClientOptions = {}): S3Clients {
  const ca = cfg.caBundle ? readFileSync(cfg.caBundle) : undefined;
  const region = opts.region ?? cfg.region ?? (process.env.AWS_REGION || 'eu-west-2');
  // through HTTPS_PROXY / HTTP_PROXY unless NO_PROXY covers the endpoint (AWS's own when none is configured)
  const agents = endpointAgents(cfg.endpoint ?? `https://s3.${region}.amazonaws.com`, { keepAlive: true, maxSockets: 64, ...(ca ? { ca } : {}) });
  const credentials = opts.credentials ?? (cfg.accessKeyId && cfg.secretAccessKey ? { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey } : undefined);
  const base: S3ClientConfig = {
    region,
    forcePathStyle: cfg.forcePathStyle,
    maxAttempts: opts.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: 5_000,
      // Idle time, not total time (QUILL_S3_TIMEOUT_MS, per attempt): a store that takes the connection and then
      // goes silent fails the request (503) instead of holding it forever, while long streams are fine as long as
      // bytes keep moving. Not requestTimeout: in this handler that is a total time, and without
      // throwOnRequestTimeout it only prints a warning.
      socketTimeout: cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      httpsAgent: agents.https,
      httpAgent: agents.http,
    },
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  };
  return {
    client: new S3Client({ ...base, followRegionRedirects: true }),
    presigner: new S3Client({ ...base, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
  };
}
