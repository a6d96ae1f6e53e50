import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';

/**
 * TypeBox spellings for the JSON Schema forms the service publishes, typed for the handlers (through the Fastify type
 * provider) and for the document's field table. TypeBox itself writes a nullable value and a string enum as anyOf
 * branches: these keep the published form ({type: ['string', 'null']}, {type: 'string', enum: [...]}), which
 * fast-json-stringify serialises directly (an anyOf costs it a validation per value).
 */

/** `s` or null, as a type list. */
export const Nullable = <S extends TSchema>(s: S): TUnsafe<Static<S> | null> =>
  Type.Unsafe<Static<S> | null>({ ...s, type: [(s as { type?: string }).type, 'null'] });

/** One of the given strings. */
export const StringEnum = <const V extends readonly string[]>(values: V, options: object = {}): TUnsafe<V[number]> =>
  Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...options });

/** A reference to a schema registered under its $id (app.addSchema), typed as that schema. */
export function Ref<S extends TSchema>(s: S): TUnsafe<Static<S>> {
  const id = (s as { $id?: string }).$id;
  if (!id) throw new Error('Ref: the schema has no $id');
  return Type.Unsafe<Static<S>>({ $ref: `${id}#` });
}

/**
 * A property a client may leave out and the validator then fills in from its `default` (ajv's useDefaults): optional
 * in the published schema, present for the handler. TypeBox has no modifier for "optional in, always there after
 * validation", hence the one cast.
 */
export const Defaulted = <S extends TSchema>(s: S): S => Type.Optional(s) as unknown as S;

/** A timestamp: fast-json-stringify writes a Date under this format as its ISO string, so an answer may carry either. */
export const DateTime = (options: object = {}): TUnsafe<string | Date> => Type.Unsafe<string | Date>({ type: 'string', format: 'date-time', ...options });
