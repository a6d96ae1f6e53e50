import type { FastifyInstance } from 'fastify';
import type { DocumentService } from '../../../documents/service.ts';
import { AppError } from '../../../domain/errors.ts';
import { documentDto } from '../../dto.ts';
import { errorResponses } from '../../schemas.ts';

const encodeCursor = (createdAt: Date, id: string) => Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');

function decodeCursor(c: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as [string, string];
    if (Number.isNaN(Date.parse(createdAt)) || !/^[0-9a-f-]{36}$/.test(id)) throw new Error('bad');
    return { createdAt, id };
  } catch {
    throw new AppError('validation_failed', 'cursor is not valid', { field: 'cursor' });
  }
}

export function listDocumentsRoute(app: FastifyInstance, docs: DocumentService): void {
  app.get('/v1/documents', {
    schema: {
      tags: ['documents'],
      summary: "A patient's documents, newest first, cursor-paged",
      querystring: {
        type: 'object',
        properties: {
          patient: { type: 'string', maxLength: 20 },
          type: { type: 'string', maxLength: 64 },
          from: { type: 'string', format: 'date', description: 'clinical date on or after' },
          to: { type: 'string', format: 'date', description: 'clinical date on or before' },
          includeEnteredInError: { type: 'boolean', default: false },
          limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
          cursor: { type: 'string', maxLength: 200 },
        },
        required: ['patient'],
        additionalProperties: false,
      },
      response: {
        200: { type: 'object', properties: { items: { type: 'array', items: { $ref: 'Document#' } }, nextCursor: { type: ['string', 'null'] } } },
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const q = request.query as { patient: string; type?: string; from?: string; to?: string; includeEnteredInError: boolean; limit: number; cursor?: string };
      const rows = await docs.list(request.ctx, {
        patient: q.patient,
        type: q.type,
        dateFrom: q.from,
        dateTo: q.to,
        includeEnteredInError: q.includeEnteredInError,
        after: q.cursor ? decodeCursor(q.cursor) : undefined,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return {
        items: page.map((r) => documentDto(r.document, r.version)),
        nextCursor: rows.length > q.limit && last ? encodeCursor(last.document.createdAt, last.document.id) : null,
      };
    },
  });
}
