/**
 * Final touches @fastify/swagger cannot express from route schemas: the streamed upload bodies, errors documented
 * as application/problem+json with a default response on every operation, and the public routes marked as needing
 * no token.
 */
type Operation = { requestBody?: unknown; responses?: Record<string, { description?: string; content?: Record<string, unknown> }>; security?: unknown[] };
type Paths = Record<string, Record<string, Operation>>;

const PUBLIC = new Set(['/healthz', '/readyz', '/fhir/metadata', '/v1/blobs/{*}']);

/** Streamed document bytes: the stored type, exact length, the SHA-256 as Repr-Digest and strong ETag. */
function bytesResponse(contentTypes: readonly string[]) {
  const binary = { schema: { type: 'string', format: 'binary' } };
  return {
    description: 'The document bytes, SHA-256 verified while streaming (a mismatch aborts the response)',
    headers: {
      'Repr-Digest': { description: 'RFC 9530 sha-256 of the bytes', schema: { type: 'string' } },
      ETag: { description: 'the hex SHA-256, quoted', schema: { type: 'string' } },
      'Content-Disposition': { schema: { type: 'string' } },
    },
    content: Object.fromEntries(contentTypes.map((t) => [t, binary])),
  };
}

/** A patient's subject-access export: one zip, streamed. */
const zipResponse = {
  description:
    'A zip, streamed: documents/<id>/v<n>-<file> (each verified against its SHA-256 while written: a mismatch aborts the response, so the archive never ends), ' +
    'manifest.json and manifest.csv (id, type, title, dates, author, SHA-256 of each file; disposed documents by their certificates), ' +
    'fhir/DocumentReference-bundle.json, access-log.csv (who, when, what, outcome), README.txt',
  headers: { 'Content-Disposition': { schema: { type: 'string' } } },
  content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
};

/** `uploadBodies`: each upload route's request body, by path. */
export function finishOpenApi(doc: Record<string, unknown>, uploadBodies: Record<string, unknown>, contentTypes: readonly string[] = []): Record<string, unknown> {
  const paths = (doc.paths ?? {}) as Paths;
  for (const [p, body] of Object.entries(uploadBodies)) if (paths[p]?.post) paths[p].post.requestBody = body;
  for (const p of ['/v1/documents/{id}/content', '/v1/blobs/{*}', '/fhir/Binary/{id}']) {
    const op = paths[p]?.get;
    if (op) op.responses = { ...op.responses, '200': bytesResponse(contentTypes) };
  }
  const exported = paths['/v1/patients/{nhs}/export']?.get;
  if (exported) exported.responses = { ...exported.responses, '200': zipResponse };
  const download = paths['/v1/documents/{id}/download']?.get;
  if (download) download.responses = { ...download.responses, '303': { description: 'See Other: Location is a fresh download URL' } };
  const problem = { schema: { $ref: '#/components/schemas/Problem' } };
  for (const [path, ops] of Object.entries(paths)) {
    for (const op of Object.values(ops)) {
      op.responses ??= {};
      for (const [status, r] of Object.entries(op.responses)) {
        if (Number(status) >= 400 && r.content?.['application/json']) r.content = { 'application/problem+json': r.content['application/json'] };
      }
      op.responses.default ??= { description: 'Problem details (RFC 9457)', content: { 'application/problem+json': problem } };
      if (PUBLIC.has(path)) op.security = [];
    }
  }
  return doc;
}
