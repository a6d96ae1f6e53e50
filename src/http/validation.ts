import { Ajv, type Options, type ValidateFunction } from 'ajv';
import type { Static, TSchema } from 'typebox';
import formatsModule from 'ajv-formats';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.ts';
import type { LazySchemas } from './lazy-schemas.ts';
import { containsNul, isCalendarDate, isTimestamp } from '../domain/input-limits.ts';

// ajv-formats is CommonJS with a default export
const addFormats = ((formatsModule as unknown as { default?: typeof formatsModule }).default ?? formatsModule) as unknown as (ajv: Ajv) => Ajv;

const base: Options = { useDefaults: true, removeAdditional: false, allErrors: false, addUsedSchema: false, strict: false };

function makeAjv(coerceTypes: Options['coerceTypes']): Ajv {
  const ajv = new Ajv({ ...base, coerceTypes });
  addFormats(ajv);
  // Stricter than ajv-formats: a real calendar date PostgreSQL can store (no year 0000, no 2026-02-30).
  ajv.addFormat('date', { type: 'string', validate: isCalendarDate });
  ajv.addFormat('date-time', { type: 'string', validate: isTimestamp });
  return ajv;
}

let strictForms: Ajv | undefined;
/** A validator for values that arrive typed already (form fields are text and are checked as text). */
export function compileStrict<S extends TSchema>(schema: S): ValidateFunction<Static<S>> {
  strictForms ??= makeAjv(false);
  return strictForms.compile<Static<S>>(schema);
}

/**
 * Two validators: query strings, path parameters and headers are text, so their values are coerced to the schema's
 * types (`?version=2`); JSON bodies are typed already, so they are checked as sent, never coerced
 * (`{"expiresIn": true}`, `"60"` and `[60]` are refused).
 */
export function installValidators(app: FastifyInstance, sharedSchemas: object[], lazy: LazySchemas): void {
  const lenient = makeAjv('array');
  const strict = makeAjv(false);
  for (const s of sharedSchemas) {
    lenient.addSchema(s);
    strict.addSchema(s);
  }
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : lenient;
    const id = (schema as { $id?: string }).$id;
    return lazy.validator(() => (id && ajv.getSchema(id)) || ajv.compile(schema));
  });
  // PostgreSQL text cannot hold U+0000: refuse it in every query value, path parameter and parsed body.
  app.addHook('preValidation', async (request: FastifyRequest) => {
    for (const [part, value] of [['query', request.query], ['params', request.params], ['body', request.body]] as const) {
      if (containsNul(value)) throw new AppError('validation_failed', `the ${part === 'query' ? 'query string' : part} contains a NUL character`, { field: part });
    }
  });
}
