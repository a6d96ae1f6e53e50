import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { AppError } from '../../../domain/errors.ts';
import { documentDto } from '../../../documents/document-json.ts';
import { TOO_LONG_LINE, type RetentionService } from '../../../retention/retention-service.ts';
import { Nullable } from '../../../schema/typebox.ts';
import { documentAnswer, errorResponses, idParams, problem } from '../../schemas.ts';
import type { App } from '../../types.ts';
import { factsAnswer, factsImportAnswer, factsSetAnswer, scheduleAnswer } from './answers.ts';

const date = Nullable(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }));
const factsBody = Type.Object(
  { dateOfBirth: Type.Optional(date), dateOfDeath: Type.Optional(date), lastContact: Type.Optional(date), lastChildBirth: Type.Optional(date) },
  { additionalProperties: false, minProperties: 1 },
);
const patientParams = Type.Object({ patient: Type.String({ pattern: '^[0-9 ]{10,12}$' }) });

/** The schedule, patient facts (one patient, or an NDJSON feed) and a document's retention class. */
export function retentionFactsRoutes(app: App, retention: RetentionService): void {
  app.get('/v1/retention/schedule', {
    schema: { tags: ['retention'], summary: 'The retention schedule in force: classes, periods, the Code of Practice table each cites', response: { 200: scheduleAnswer, ...errorResponses } },
    handler: async () => retention.schedule,
  });

  app.get('/v1/retention/patients/:patient/facts', {
    schema: { tags: ['retention'], summary: "A patient's facts that move the retention clock (records-manager, admin)", params: patientParams, response: { 200: factsAnswer, ...errorResponses } },
    handler: async (request) => retention.getFacts(request.ctx, request.params.patient),
  });

  app.put('/v1/retention/patients/:patient/facts', {
    schema: {
      tags: ['retention'],
      summary: "Sets facts (date of birth, death, last contact, birth of the last child; null clears one); every document of the patient is recomputed in the same transaction (records-manager, admin)",
      params: patientParams,
      body: factsBody,
      response: { 200: factsSetAnswer, ...errorResponses },
    },
    handler: async (request) => retention.setFacts(request.ctx, request.params.patient, request.body),
  });

  // A PAS feed: NDJSON, read line by line from the request stream (never buffered whole).
  app.register(async (scope) => {
    // the body is left unread here (and so not walked by body checks); the handler streams request.raw
    scope.addContentTypeParser(['application/x-ndjson', 'application/ndjson'], (_req, _payload, done) => done(null, undefined));
    scope.post('/v1/retention/facts/import', {
      schema: {
        tags: ['retention'],
        summary: 'Bulk patient facts as NDJSON, one {"patient": …, "dateOfDeath": …} per line; each line applied and audited on its own; errors reported by line (records-manager, admin)',
        description: 'Content-Type: application/x-ndjson. Each line is a JSON object with `patient` and any of dateOfBirth, dateOfDeath, lastContact, lastChildBirth (YYYY-MM-DD or null). Lines over 64 KiB are reported, not read.',
        response: { 200: factsImportAnswer, ...errorResponses, 415: problem },
      },
      handler: async (request) => {
        const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (type !== 'application/x-ndjson' && type !== 'application/ndjson') throw new AppError('unsupported_media_type', 'send the facts as application/x-ndjson, one JSON object per line');
        return retention.importFacts(request.ctx, ndjsonLines(request.raw));
      },
    });
  });

  app.put('/v1/documents/:id/retention', {
    schema: {
      tags: ['retention'],
      summary: "Reclassifies a document's retention (records-manager, admin); retainUntil is recomputed in the same transaction",
      params: idParams,
      body: Type.Object({ retentionClass: Type.String({ maxLength: 40 }), reason: Type.String({ minLength: 3, maxLength: 2000 }) }, { additionalProperties: false }),
      response: { 200: documentAnswer, ...errorResponses, 409: problem, 410: problem },
    },
    handler: async (request) => {
      const { document, version } = await retention.setClass(request.ctx, request.params.id, request.body.retentionClass, request.body.reason);
      return documentDto(document, version);
    },
  });
}

const MAX_LINE = 64 * 1024;

/**
 * The lines of an NDJSON stream. A line longer than 64 KiB is not buffered (readline would hold a line of any length
 * in memory; a fact line is under 200 bytes): its text is dropped as it arrives and it is reported as one failed line.
 */
export async function* ndjsonLines(input: Readable): AsyncGenerator<string> {
  let pending = '';
  let skipping = false;
  input.setEncoding('utf8'); // a character split across chunks is decoded whole
  for await (const chunk of input) {
    pending += chunk as string;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      yield skipping ? TOO_LONG_LINE : pending.slice(0, nl).replace(/\r$/, '');
      skipping = false;
      pending = pending.slice(nl + 1);
    }
    if (pending.length > MAX_LINE) {
      pending = '';
      skipping = true;
    }
  }
  if (skipping) yield TOO_LONG_LINE;
  else if (pending.trim()) yield pending;
}
