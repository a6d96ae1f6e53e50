import { inject } from 'vitest';

/** The HAPI FHIR base URL (…/fhir) of the server the global setup started, or QUILL_TEST_HAPI_URL. */
export function hapiBaseUrl(): string {
  const url = process.env.QUILL_TEST_HAPI_URL ?? inject('hapiUrl' as never);
  if (!url) throw new Error('no HAPI FHIR server: the vitest global setup starts one (test-servers/hapi-fhir/build.sh must have run)');
  return String(url).replace(/\/+$/, '');
}
