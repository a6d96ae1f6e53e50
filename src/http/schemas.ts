import { documentSchema, versionSchema } from '../documents/document-json.ts';

/** JSON schemas shared by routes: validation on the way in, serialisation and OpenAPI on the way out. */
export const problemSchema = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: 'string', description: 'stable error code' },
    requestId: { type: 'string' },
  },
  required: ['type', 'title', 'status', 'code'],
  additionalProperties: true,
} as const;

/** The document's public shape is made from one field table (documents/document-json.ts). */
export { documentSchema, versionSchema };

export const idParams = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
} as const;

export const uploadQuery = {
  type: 'object',
  properties: {
    patient: { type: 'string', maxLength: 20 },
    type: { type: 'string', maxLength: 64 },
    title: { type: 'string', maxLength: 500 },
    description: { type: 'string', maxLength: 4000 },
    category: { type: 'string', maxLength: 64 },
    date: { type: 'string', maxLength: 10, format: 'date' },
    author: { type: 'string', maxLength: 200 },
    retentionClass: { type: 'string', maxLength: 40 },
    filename: { type: 'string', maxLength: 1000 },
  },
  additionalProperties: false,
} as const;

/** Upload metadata fields: the same names and limits whether sent in the query string or as form fields. */
export const uploadFields = uploadQuery;

export const errorResponses = {
  400: { $ref: 'Problem#' },
  401: { $ref: 'Problem#' },
  403: { $ref: 'Problem#' },
  404: { $ref: 'Problem#' },
} as const;
