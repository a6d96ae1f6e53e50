import { Type, type TSchema } from 'typebox';
import { documentSchema, versionSchema } from '../documents/document-json.ts';
import { UPLOAD_FIELD_MAX_LENGTH as MAX } from '../domain/upload-fields.ts';
import { Nullable, Ref } from '../schema/typebox.ts';

/**
 * Schemas shared by routes: validation on the way in, serialisation and OpenAPI on the way out, and (through the
 * TypeBox type provider) the types of each handler's params, query, body and answer.
 */
export const problemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    code: Type.String({ description: 'stable error code' }),
    requestId: Type.Optional(Type.String()),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details', additionalProperties: true },
);

/** Registered with app.addSchema, so routes refer to them. */
export const sharedSchemas = [problemSchema, versionSchema, documentSchema];

export const problem = Ref(problemSchema);
export const documentAnswer = Ref(documentSchema);

export const idParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** A page: its items, and the cursor for the next one (null on the last). */
export const page = <S extends TSchema>(items: S) => Type.Object({ items: Type.Array(items), nextCursor: Nullable(Type.String()) });

/** Upload metadata fields: the same names and limits whether sent in the query string or as form fields. */
export const uploadFields = Type.Object(
  {
    patient: Type.Optional(Type.String({ maxLength: MAX.patient, description: 'NHS number', example: '9434765919' })),
    type: Type.Optional(Type.String({ maxLength: MAX.type, description: 'document type code (GET /v1/document-types)', example: '373942005' })),
    title: Type.Optional(Type.String({ maxLength: MAX.title })),
    description: Type.Optional(Type.String({ maxLength: MAX.description })),
    category: Type.Optional(Type.String({ maxLength: MAX.category })),
    date: Type.Optional(Type.String({ maxLength: MAX.date, format: 'date' })),
    author: Type.Optional(Type.String({ maxLength: MAX.author })),
    retentionClass: Type.Optional(
      Type.String({ maxLength: MAX.retentionClass, description: "optional retention class overriding the type's (one your role may set; GET /v1/retention/schedule)" }),
    ),
    filename: Type.Optional(Type.String({ maxLength: MAX.filename })),
  },
  { additionalProperties: false },
);

/** A form's optional hex SHA-256 of its file, checked. */
export const sha256Field = Type.Optional(Type.String({ maxLength: 200, description: 'optional hex SHA-256 of the file, checked' }));

export const errorResponses = {
  400: problem,
  401: problem,
  403: problem,
  404: problem,
} as const;
