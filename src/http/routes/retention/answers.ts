import { Type, type TProperties, type TSchema } from 'typebox';
import { DateTime, Nullable, StringEnum } from '../../../schema/typebox.ts';

/** The retention routes' answers, field for field what the retention service returns. */

const date = Nullable(Type.String({ format: 'date' }));
const coding = Type.Object({ system: Type.String(), code: Type.String(), display: Type.String() });
const years = Type.Integer({ minimum: 0 });
/** A trust's own schedule file may carry more than the service reads: it is shown as written. */
const open = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: true });

export const scheduleAnswer = open({
  source: Type.String(),
  sourceUrl: Type.Optional(Type.String()),
  note: Type.Optional(Type.String()),
  classes: Type.Array(
    open({
      code: Type.String(),
      display: Type.String(),
      citation: Type.String({ description: 'where in the Code of Practice the period comes from' }),
      rule: Type.Union([
        open({ kind: Type.Literal('after-last-contact'), years, afterDeathYears: Type.Optional(years) }),
        open({ kind: Type.Literal('children'), untilAge: years, untilAgeIf17: years, adultYears: years, afterDeathYears: years }),
        open({ kind: Type.Literal('after-last-child-birth'), years }),
        open({ kind: Type.Literal('after-death'), years }),
        open({ kind: Type.Literal('after-document-date'), years }),
      ]),
      roles: Type.Array(Type.String(), { description: 'roles that may choose this class for a document at upload' }),
    }),
  ),
});

const facts = { dateOfBirth: date, dateOfDeath: date, lastContact: date, lastChildBirth: date };

export const factsAnswer = Type.Object({ patient: Type.String(), ...facts, updatedAt: Nullable(DateTime()), updatedBy: Nullable(Type.String()) });

export const factsSetAnswer = Type.Object({
  patient: Type.String(),
  ...facts,
  documentsRecomputed: Type.Array(Type.Object({ id: Type.String({ format: 'uuid' }), from: date, to: date }), { description: "the documents whose retainUntil moved" }),
});

export const factsImportAnswer = Type.Object({
  lines: Type.Integer(),
  imported: Type.Integer(),
  failed: Type.Integer(),
  errors: Type.Array(Type.Object({ line: Type.Integer(), code: Type.String(), detail: Type.String() }), { description: 'the first 1000 failed lines' }),
});

export const holdAnswer = Type.Object({
  id: Type.String({ format: 'uuid' }),
  scope: StringEnum(['document', 'patient', 'type']),
  documentId: Nullable(Type.String({ format: 'uuid' })),
  patient: Nullable(Type.String()),
  typeCode: Nullable(Type.String()),
  dateFrom: date,
  dateTo: date,
  reason: Type.String(),
  setBy: Type.String(),
  setAt: DateTime(),
  liftedBy: Nullable(Type.String()),
  liftedAt: Nullable(DateTime()),
  liftReason: Nullable(Type.String()),
});

export const holdSetAnswer = Type.Object({ ...holdAnswer.properties, documents: Type.Integer({ description: 'how many documents the hold covers now' }) });

export const dueDocument = Type.Object({
  id: Type.String({ format: 'uuid' }),
  patient: Type.String(),
  type: coding,
  title: Type.String(),
  retentionClass: Type.String(),
  retainUntil: Type.String({ format: 'date' }),
  createdAt: DateTime(),
});

export const batchAnswer = Type.Object({
  id: Type.String({ format: 'uuid' }),
  state: StringEnum(['proposed', 'approved', 'rejected', 'completed']),
  reason: Type.String(),
  proposedBy: Type.String(),
  proposedAt: DateTime(),
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(DateTime()),
  decisionNote: Nullable(Type.String()),
  completedAt: Nullable(DateTime()),
  documents: Type.Array(Type.String({ format: 'uuid' })),
});

export const approveAnswer = Type.Object({
  batch: Type.Union([batchAnswer, Type.Null()]),
  destroyed: Type.Array(Type.String({ format: 'uuid' }), { description: 'documents destroyed by this request' }),
  failed: Type.Array(Type.Object({ documentId: Type.String({ format: 'uuid' }), error: Type.String() }), { description: 'documents whose destruction failed; reconcile resumes them' }),
});

export const certificateAnswer = Type.Object({
  id: Type.String({ format: 'uuid' }),
  batchId: Type.String({ format: 'uuid' }),
  documentId: Type.String({ format: 'uuid' }),
  state: StringEnum(['destroying', 'destroyed']),
  patient: Type.String(),
  type: coding,
  title: Type.String(),
  clinicalDate: date,
  documentCreatedAt: DateTime(),
  retentionClass: Type.String(),
  retainUntil: Type.String({ format: 'date' }),
  retentionBasis: Nullable(Type.String()),
  versions: Type.Array(
    Type.Object({
      version: Type.Integer(),
      sha256: Type.String(),
      size: Type.Integer(),
      contentType: Type.String(),
      createdAt: Type.String({ format: 'date-time' }),
      createdBy: Type.String(),
      store: Type.String(),
    }),
  ),
  proposedBy: Type.String(),
  proposedAt: DateTime(),
  approvedBy: Type.String(),
  approvedAt: DateTime(),
  destroyedAt: Nullable(DateTime()),
});

/** A list answer: every item at once (no paging). */
export const items = <S extends TSchema>(s: S) => Type.Object({ items: Type.Array(s) });
