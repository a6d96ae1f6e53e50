import type { FastifyInstance } from 'fastify';
import type { DocumentValueSet } from '../../domain/document-types.ts';

export function documentTypesRoute(app: FastifyInstance, set: DocumentValueSet): void {
  app.get('/v1/document-types', {
    schema: { tags: ['documents'], summary: 'The configured document-type and category value sets (SNOMED CT)' },
    handler: async () => set,
  });
}
