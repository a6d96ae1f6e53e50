import type { FastifyRequest } from 'fastify';
import type { Bundle, CapabilityStatement, Resource } from '@medplum/fhirtypes';
import { Type } from 'typebox';
import type { FhirIndexService } from '../../../fhir/index-service.ts';
import { SUPPORTED, type Params } from '../../../fhir/search-params.ts';
import { LIST_SEARCH_PARAMS } from '../../../mhd/list-search.ts';
import { Nullable } from '../../../schema/typebox.ts';
import { problem } from '../../schemas.ts';
import type { App } from '../../types.ts';
import { capabilityStatementAnswer, documentReferenceAnswer, fhirJson, searchsetAnswer } from './fhir-answers.ts';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** A search parameter's value: text, or a list of texts (the parameter repeated); never numbers or objects. */
const searchValue = Type.Union([Type.String(), Type.Array(Type.String())]);
/** The search parameters in a query string: the supported ones named; the service refuses the rest. */
export const searchQueryOf = (supported: readonly string[]) => Type.Object(Object.fromEntries(supported.map((p) => [p, Type.Optional(searchValue)])), { additionalProperties: searchValue });
const searchQuery = searchQueryOf(SUPPORTED);
/** A POSTed search (form or JSON), every value bounded. */
export const searchBody = Nullable(
  Type.Object({}, { additionalProperties: Type.Union([Type.String({ maxLength: 2000 }), Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 50 })]) }),
);
const searchAnswers = { 200: fhirJson(searchsetAnswer('DocumentReference'), 'ITI-67 searchset'), 400: problem, 401: problem, 403: problem };

/** The built-in FHIR R4 index: CapabilityStatement, DocumentReference read and ITI-67 search (GET and POST). */
export function fhirRoutes(app: App, index: FhirIndexService, baseUrl: () => string): void {
  app.get('/fhir/metadata', {
    config: { auth: false },
    schema: { tags: ['fhir'], summary: 'CapabilityStatement', response: { 200: fhirJson(capabilityStatementAnswer, 'What this FHIR endpoint supports') } },
  }, async (_req, reply) => reply.type(FHIR_JSON).send(capabilityStatement(baseUrl())));

  app.get('/fhir/DocumentReference/:id', {
    schema: {
      tags: ['fhir'],
      summary: 'Read a DocumentReference',
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      response: { 200: fhirJson(documentReferenceAnswer, 'The DocumentReference (ETag: its version)'), 400: problem, 401: problem, 403: problem, 404: problem },
    },
    handler: async (request, reply) => {
      const resource = await index.read(request.ctx, request.params.id);
      return reply.type(FHIR_JSON).header('etag', `W/"${resource.meta?.versionId ?? '1'}"`).send(resource);
    },
  });

  const search = async (request: FastifyRequest, params: Params) => {
    const { total, count, offset, resources } = await index.search(request.ctx, params);
    return searchset(baseUrl(), 'DocumentReference', params, count, offset, total, resources);
  };

  app.get('/fhir/DocumentReference', {
    schema: { tags: ['fhir'], summary: 'ITI-67 Find Document References', querystring: searchQuery, response: searchAnswers },
  }, async (request, reply) => reply.type(FHIR_JSON).send(await search(request, request.query)));
  app.post('/fhir/DocumentReference/_search', {
    schema: { tags: ['fhir'], summary: 'ITI-67 Find Document References (POST form)', querystring: searchQuery, body: searchBody, response: searchAnswers },
  }, async (request, reply) => reply.type(FHIR_JSON).send(await search(request, { ...request.query, ...request.body })));
}

/** A searchset Bundle of one page, with its self, next and previous links (each with the parameters and the paging). */
export function searchset<R extends Resource & { id?: string }>(base: string, type: R['resourceType'], params: Params, count: number, offset: number, total: number, resources: R[]): Bundle {
  const link = (relation: string, off: number) => {
    const u = new URL(`${base}/fhir/${type}`);
    for (const [k, v] of Object.entries(params)) if (k !== '_offset' && v !== undefined) for (const x of Array.isArray(v) ? v : [v]) u.searchParams.append(k, x);
    u.searchParams.set('_count', String(count));
    u.searchParams.set('_offset', String(off));
    return { relation, url: u.toString() };
  };
  const links = [link('self', offset)];
  if (count > 0 && offset + count < total) links.push(link('next', offset + count));
  if (offset > 0) links.push(link('previous', Math.max(0, offset - count)));
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    link: links,
    entry: resources.map((r) => ({ fullUrl: `${base}/fhir/${type}/${r.id}`, resource: r, search: { mode: 'match' } })),
  };
}

function capabilityStatement(base: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-29',
    kind: 'instance',
    software: { name: 'Quill Document Store built-in FHIR index' },
    implementation: { description: 'Quill Document Store', url: `${base}/fhir` },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        security: { service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'OAuth' }] }], description: 'Bearer JWT' },
        resource: [
          {
            type: 'DocumentReference',
            interaction: [{ code: 'read' }, { code: 'search-type' }, { code: 'create' }],
            searchParam: searchParams(SUPPORTED),
          },
          // IHE MHD: SubmissionSets received by ITI-65, found by ITI-66
          { type: 'List', interaction: [{ code: 'read' }, { code: 'search-type' }, { code: 'create' }], searchParam: searchParams(LIST_SEARCH_PARAMS) },
          // a document's bytes (its current version), under the document's id
          { type: 'Binary', interaction: [{ code: 'read' }, { code: 'create' }] },
        ],
        // ITI-65 Provide Document Bundle: POST /fhir with a transaction Bundle
        interaction: [{ code: 'transaction' }],
      },
    ],
  };
}

const searchParams = (names: readonly string[]) =>
  names.filter((p) => !p.startsWith('_')).map((name) => ({ name, type: name === 'date' || name === 'period' ? ('date' as const) : ('token' as const) }));
