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

const coding = {
  type: 'object',
  properties: { system: { type: 'string' }, code: { type: 'string' }, display: { type: 'string' } },
  required: ['system', 'code', 'display'],
} as const;

const scanStatusSchema = { type: 'string', enum: ['clean', 'pending', 'infected', 'not-scanned'], description: 'malware scan: clean; pending (stored while the scanner was down: served to nobody until scanned); infected (found by a rescan: quarantined); not-scanned (scanning off, or stored before it)' } as const;

export const versionSchema = {
  $id: 'DocumentVersion',
  type: 'object',
  properties: {
    version: { type: 'integer' },
    contentType: { type: 'string' },
    size: { type: 'integer' },
    sha256: { type: 'string' },
    filename: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string' },
    scanStatus: scanStatusSchema,
    scanner: { type: ['string', 'null'], description: 'the malware scanner as it named itself (e.g. ClamAV 1.4.6)' },
    signatureVersion: { type: ['string', 'null'], description: 'the scanner\'s signature database version and date, where it reports one' },
    scannedAt: { type: ['string', 'null'], format: 'date-time' },
    malware: { type: ['string', 'null'], description: 'the malware a rescan found (infected only)' },
  },
} as const;

export const documentSchema = {
  $id: 'Document',
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    version: { type: 'integer' },
    currentVersion: { type: 'integer' },
    patient: { type: 'string' },
    type: coding,
    category: { anyOf: [coding, { type: 'null' }] },
    title: { type: 'string' },
    description: { type: ['string', 'null'] },
    date: { type: ['string', 'null'], format: 'date' },
    author: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['current', 'entered-in-error'] },
    enteredInErrorReason: { type: ['string', 'null'] },
    contentType: { type: 'string' },
    size: { type: 'integer' },
    sha256: { type: 'string', description: 'hex SHA-256 of the bytes' },
    filename: { type: ['string', 'null'] },
    scanStatus: { ...scanStatusSchema, description: `${scanStatusSchema.description}. The version shown (the current one unless ?version= names another)` },
    createdAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string' },
    updatedAt: { type: 'string', format: 'date-time' },
    fhir: { type: 'object', properties: { state: { type: 'string', enum: ['indexed', 'pending', 'failed'] }, id: { type: ['string', 'null'] } } },
    retentionClass: { type: 'string', description: 'retention class (GET /v1/retention/schedule)' },
    retainUntil: { type: ['string', 'null'], format: 'date', description: 'the last day the document must be kept; null while a fact the schedule needs is missing' },
    retentionMissing: { type: 'array', items: { type: 'string' }, description: 'patient facts whose absence keeps retention longer or open-ended' },
    legalHold: { type: 'boolean', description: 'a legal hold covers the document: it cannot be destroyed' },
    versions: { type: 'array', items: { $ref: 'DocumentVersion#' } },
  },
} as const;

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
