import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { DocumentService } from '../../../documents/service.ts';
import { drainBody } from '../../../documents/upload-pipeline.ts';
import type { Params } from '../../../fhir/search-params.ts';
import { LIST_SEARCH_PARAMS, type SubmissionSetService } from '../../../mhd/list-search.ts';
import type { DocumentRecipient } from '../../../mhd/provide-bundle.ts';
import { errorResponses, idParams, problem } from '../../schemas.ts';
import type { App } from '../../types.ts';
import { sendDocumentBytes } from '../documents/content.ts';
import { fhirJson, listAnswer, operationOutcomeAnswer, searchsetAnswer, transactionResponseAnswer } from './fhir-answers.ts';
import { FHIR_JSON, searchBody, searchQueryOf, searchset } from './fhir-routes.ts';

/** The statuses a refused bundle is answered with (its first issue's). */
const REFUSALS = [400, 403, 409, 413, 415, 422, 500, 503, 507] as const;
const isRefusal = (s: number): s is (typeof REFUSALS)[number] => (REFUSALS as readonly number[]).includes(s);

const refused = fhirJson(operationOutcomeAnswer, 'The bundle was refused as a whole (nothing of it was kept): every issue, each naming its entry');

/**
 * IHE MHD ITI-65 Provide Document Bundle (`POST /fhir`), in a scope whose FHIR JSON bodies are not parsed: the
 * recipient reads the request as a stream (src/mhd/bundle-reader.ts), its size limited by QUILL_MAX_BUNDLE_BYTES.
 */
export function provideBundleRoute(app: App, recipient: DocumentRecipient): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/fhir+json', 'application/json'], (_req, _payload, done) => done(null, undefined));
  app.post('/fhir', {
    schema: {
      tags: ['fhir'],
      summary: 'ITI-65 Provide Document Bundle (a FHIR transaction Bundle)',
      description:
        'A FHIR R4 transaction Bundle (application/fhir+json) with one IHE MHD SubmissionSet List, its DocumentReferences and their bytes (Binary entries referenced from attachment.url by urn:uuid, or inline attachment.data); Comprehensive or Minimal Metadata. All or nothing: the answer is a transaction-response Bundle (each entry 201 with its location and etag), or an OperationOutcome naming each refused entry and its problem (stable code in issue.details.coding).',
      response: {
        200: fhirJson(transactionResponseAnswer, 'Every document kept'),
        401: problem,
        400: refused,
        403: refused,
        409: refused,
        413: refused,
        415: refused,
        422: refused,
        500: refused,
        503: refused,
        507: refused,
      },
    },
    handler: async (request, reply) => {
      const result = await recipient.provide(request.ctx, request.raw);
      if (result.ok) return reply.type(FHIR_JSON).send(result.bundle);
      // refused before the body's end (too large, not JSON): the rest is read and dropped, then the connection closed
      if (!request.raw.complete) {
        reply.header('connection', 'close');
        drainBody(request.raw);
      }
      return reply.code(isRefusal(result.status) ? result.status : 500).type(FHIR_JSON).send(result.outcome);
    },
  });
}

/** ITI-66 Find Document Lists and List read (SubmissionSets received by ITI-65), and a document's bytes as a Binary. */
export function mhdReadRoutes(app: App, lists: SubmissionSetService, docs: DocumentService, baseUrl: () => string, sendTimeoutMs: number): void {
  const searchQuery = searchQueryOf(LIST_SEARCH_PARAMS);
  const answers = { 200: fhirJson(searchsetAnswer('List'), 'ITI-66 searchset'), 400: problem, 401: problem, 403: problem };
  const search = async (request: FastifyRequest, params: Params) => {
    const { total, count, offset, resources } = await lists.search(request.ctx, params);
    return searchset(baseUrl(), 'List', params, count, offset, total, resources);
  };
  app.get('/fhir/List', { schema: { tags: ['fhir'], summary: 'ITI-66 Find Document Lists (SubmissionSets)', querystring: searchQuery, response: answers } }, async (request, reply) =>
    reply.type(FHIR_JSON).send(await search(request, request.query)),
  );
  app.post('/fhir/List/_search', {
    schema: { tags: ['fhir'], summary: 'ITI-66 Find Document Lists (POST form)', querystring: searchQuery, body: searchBody, response: answers },
  }, async (request, reply) => reply.type(FHIR_JSON).send(await search(request, { ...request.query, ...request.body })));

  app.get('/fhir/List/:id', {
    schema: {
      tags: ['fhir'],
      summary: 'Read a SubmissionSet List',
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      response: { 200: fhirJson(listAnswer, 'The List (ETag: its version)'), ...errorResponses },
    },
    handler: async (request, reply) => reply.type(FHIR_JSON).header('etag', 'W/"1"').send(await lists.read(request.ctx, request.params.id)),
  });

  app.get('/fhir/Binary/:id', {
    schema: {
      tags: ['fhir'],
      summary: "A document's bytes (its current version) as a FHIR Binary: the location ITI-65 answers for a Binary entry",
      description: 'Answered in the native format (the document type), SHA-256 verified while streaming, as GET /v1/documents/{id}/content.',
      params: idParams,
      response: { ...errorResponses, 409: problem },
    },
    handler: async (request, reply) => {
      const { version, stream } = await docs.openContent(request.ctx, request.params.id);
      return sendDocumentBytes(reply, version, stream, sendTimeoutMs);
    },
  });
}
