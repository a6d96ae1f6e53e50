/**
 * The document metadata an upload may carry and the longest value of each, whichever way it is sent: the query
 * string or form fields of a simple upload (http/schemas.ts uploadFields) or a tus upload's Upload-Metadata
 * (uploads/resumable-uploads.ts).
 */
export const UPLOAD_FIELD_MAX_LENGTH = {
  patient: 20,
  type: 64,
  title: 500,
  description: 4000,
  category: 64,
  date: 10,
  author: 200,
  retentionClass: 40,
  filename: 1000,
} as const;
