import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Bundle, CapabilityStatement, DocumentReference } from '@medplum/fhirtypes';
import type { FhirIndexService } from '../../../fhir/index-service.ts';
import { SUPPORTED, type Params } from '../../../fhir/search-params.ts';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** A POSTed search (form or JSON): every parameter is text, or a list of texts; never numbers or objects. */
const searchBody = {
  type: ['object', 'null'],
  additionalProperties: { anyOf: [{ type: 'string', maxLength: 2000 }, { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 2000 } }] },
} as const;

/** The built-in FHIR R4 index: CapabilityStatement, DocumentReference read and ITI-67 search (GET and POST). */
export function fhirRoutes(app: FastifyInstance, index: FhirIndexService, baseUrl: () => string): void {
  app.get('/fhir/metadata', { config: { auth: false }, schema: { tags: ['fhir'], summary: 'CapabilityStatement' } }, async (_req, reply) =>
    reply.type(FHIR_JSON).send(capabilityStatement(baseUrl())),
  );

  app.get('/fhir/DocumentReference/:id', {
    schema: { tags: ['fhir'], summary: 'Read a DocumentReference', params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } } },
    handler: async (request, reply) => {
      const resource = await index.read(request.ctx, (request.params as { id: string }).id);
      return reply.type(FHIR_JSON).header('etag', `W/"${resource.meta?.versionId ?? '1'}"`).send(resource);
    },
  });

  const search = async (request: FastifyRequest, params: Params) => {
    const { total, count, offset, resources } = await index.search(request.ctx, params);
    return searchset(baseUrl(), params, count, offset, total, resources);
  };

  app.get('/fhir/DocumentReference', { schema: { tags: ['fhir'], summary: 'ITI-67 Find Document References' } }, async (request, reply) =>
    reply.type(FHIR_JSON).send(await search(request, request.query as Params)),
  );
  app.post('/fhir/DocumentReference/_search', { schema: { tags: ['fhir'], summary: 'ITI-67 Find Document References (POST form)', body: searchBody } }, async (request, reply) =>
    reply.type(FHIR_JSON).send(await search(request, { ...(request.query as Params), ...((request.body ?? {}) as Params) })),
  );
}

function searchset(base: string, params: Params, count: number, offset: number, total: number, resources: DocumentReference[]): Bundle {
  const link = (relation: string, off: number) => {
    const u = new URL(`${base}/fhir/DocumentReference`);
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
    entry: resources.map((r) => ({ fullUrl: `${base}/fhir/DocumentReference/${r.id}`, resource: r, search: { mode: 'match' } })),
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
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: SUPPORTED.filter((p) => !p.startsWith('_')).map((name) => ({
              name,
              type: name === 'date' || name === 'period' ? 'date' : 'token',
            })),
          },
        ],
      },
    ],
  };
}
