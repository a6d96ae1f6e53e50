import type { FastifyInstance } from 'fastify';
import type { RetentionService } from '../../../retention/retention-service.ts';
import { errorResponses, idParams } from '../../schemas.ts';

/** Documents the JSON success answer (its shape is the service's; fuzzing checks every answer is documented). */
const OK_JSON = { description: 'JSON', type: 'object', additionalProperties: true } as const;

/** Legal holds: set, lift, list (records-manager, admin). */
export function legalHoldRoutes(app: FastifyInstance, retention: RetentionService): void {
  app.get('/v1/retention/holds', {
    schema: {
      tags: ['retention'],
      summary: 'Legal holds, newest first (records-manager, admin)',
      querystring: {
        type: 'object',
        properties: { active: { type: 'boolean', default: true }, patient: { type: 'string', pattern: '^[0-9]{10}$' }, document: { type: 'string', format: 'uuid' } },
        additionalProperties: false,
      },
      response: { 200: OK_JSON, ...errorResponses },
    },
    handler: async (request) => ({ items: await retention.listHolds(request.ctx, request.query as { active: boolean; patient?: string; document?: string }) }),
  });

  app.post('/v1/retention/holds', {
    schema: {
      tags: ['retention'],
      summary: 'Places a legal hold on one document, every document of a patient, or a document type over a date range (records-manager, admin)',
      body: {
        type: 'object',
        properties: {
          scope: { type: 'string', enum: ['document', 'patient', 'type'] },
          document: { type: 'string', format: 'uuid' },
          patient: { type: 'string', maxLength: 12 },
          type: { type: 'string', maxLength: 64 },
          from: { type: 'string', maxLength: 10 },
          to: { type: 'string', maxLength: 10 },
          reason: { type: 'string', minLength: 3, maxLength: 2000 },
        },
        required: ['scope', 'reason'],
        additionalProperties: false,
      },
      response: { 201: { type: 'object', additionalProperties: true }, ...errorResponses },
    },
    handler: async (request, reply) => reply.code(201).send(await retention.setHold(request.ctx, request.body as Parameters<RetentionService['setHold']>[1])),
  });

  app.post('/v1/retention/holds/:id/lift', {
    schema: {
      tags: ['retention'],
      summary: 'Lifts a legal hold, recording who and why; the hold stays listed (records-manager, admin)',
      params: idParams,
      body: { type: 'object', properties: { reason: { type: 'string', minLength: 3, maxLength: 2000 } }, required: ['reason'], additionalProperties: false },
      response: { 200: OK_JSON, ...errorResponses },
    },
    handler: async (request) => retention.liftHold(request.ctx, (request.params as { id: string }).id, (request.body as { reason: string }).reason),
  });
}
