import { Type } from 'typebox';
import type { DocumentValueSet } from '../../domain/document-types.ts';
import { problem } from '../schemas.ts';
import type { App } from '../types.ts';

/** An organisation's own value set file (QUILL_DOCUMENT_TYPES_FILE) may carry more than the service reads: shown as written. */
const coding = { system: Type.String(), code: Type.String(), display: Type.String() };
const valueSetAnswer = Type.Object(
  {
    types: Type.Array(
      Type.Object(
        {
          ...coding,
          defaultCategory: Type.String({ description: 'the category a document of this type gets when the uploader names none' }),
          retentionClass: Type.Optional(Type.String({ description: "the type's retention class (GET /v1/retention/schedule)" })),
        },
        { additionalProperties: true },
      ),
    ),
    categories: Type.Array(Type.Object(coding, { additionalProperties: true })),
  },
  { additionalProperties: true },
);

export function documentTypesRoute(app: App, set: DocumentValueSet): void {
  app.get('/v1/document-types', {
    schema: { tags: ['documents'], summary: 'The configured document-type and category value sets (SNOMED CT)', response: { 200: valueSetAnswer, 401: problem } },
    handler: async () => set,
  });
}
