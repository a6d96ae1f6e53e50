import { Type } from 'typebox';
import type { RetentionService } from '../../../retention/retention-service.ts';
import { Defaulted, StringEnum } from '../../../schema/typebox.ts';
import { errorResponses, idParams } from '../../schemas.ts';
import type { App } from '../../types.ts';
import { holdAnswer, holdSetAnswer, items } from './answers.ts';

const reason = Type.String({ minLength: 3, maxLength: 2000 });

/** Legal holds: set, lift, list (records-manager, admin). */
export function legalHoldRoutes(app: App, retention: RetentionService): void {
  app.get('/v1/retention/holds', {
    schema: {
      tags: ['retention'],
      summary: 'Legal holds, newest first (records-manager, admin)',
      querystring: Type.Object(
        { active: Defaulted(Type.Boolean({ default: true })), patient: Type.Optional(Type.String({ pattern: '^[0-9]{10}$' })), document: Type.Optional(Type.String({ format: 'uuid' })) },
        { additionalProperties: false },
      ),
      response: { 200: items(holdAnswer), ...errorResponses },
    },
    handler: async (request) => ({ items: await retention.listHolds(request.ctx, request.query) }),
  });

  app.post('/v1/retention/holds', {
    schema: {
      tags: ['retention'],
      summary: 'Places a legal hold on one document, every document of a patient, or a document type over a date range (records-manager, admin)',
      body: Type.Object(
        {
          scope: StringEnum(['document', 'patient', 'type']),
          document: Type.Optional(Type.String({ format: 'uuid' })),
          patient: Type.Optional(Type.String({ maxLength: 12 })),
          type: Type.Optional(Type.String({ maxLength: 64 })),
          from: Type.Optional(Type.String({ maxLength: 10 })),
          to: Type.Optional(Type.String({ maxLength: 10 })),
          reason,
        },
        { additionalProperties: false },
      ),
      response: { 201: holdSetAnswer, ...errorResponses },
    },
    handler: async (request, reply) => reply.code(201).send(await retention.setHold(request.ctx, request.body)),
  });

  app.post('/v1/retention/holds/:id/lift', {
    schema: {
      tags: ['retention'],
      summary: 'Lifts a legal hold, recording who and why; the hold stays listed (records-manager, admin)',
      params: idParams,
      body: Type.Object({ reason }, { additionalProperties: false }),
      response: { 200: holdAnswer, ...errorResponses },
    },
    handler: async (request) => retention.liftHold(request.ctx, request.params.id, request.body.reason),
  });
}
