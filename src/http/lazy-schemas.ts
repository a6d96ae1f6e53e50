import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyBaseLogger } from 'fastify';

/**
 * The routes' validators and serializers, compiled on first use instead of all at start-up: compiling every route's
 * schemas (ajv, fast-json-stringify) was about half a second of the start's CPU, on the one thread that also loads the
 * code and waits for PostgreSQL. Once the service listens, warmUp() compiles the rest a little at a time in idle turns
 * of the event loop, so first requests seldom pay for it and a schema that cannot compile is logged within seconds.
 * Hand-written: Fastify has no option for it; it is a wrapper around its own compilers.
 */
export class LazySchemas {
  readonly #pending: (() => unknown)[] = [];

  /** A validator that compiles itself on its first call, carrying `errors` as ajv's do (Fastify reads them). */
  validator<V extends ((data: never) => unknown) & { errors?: unknown }>(compile: () => V): V {
    let compiled: V | undefined;
    const get = () => (compiled ??= compile());
    const validate = Object.assign((data: never) => {
      const v = get();
      const ok = v(data);
      validate.errors = v.errors;
      return ok;
    }, { errors: undefined as unknown });
    this.#pending.push(get);
    return validate as unknown as V; // the same call and the same errors property as V's
  }

  /** Fastify's own serializer compiler (fast-json-stringify with the shared schemas), each compiled on first use. */
  serializerFactory(): (externalSchemas: unknown, options: unknown) => (route: { method: string; url: string; httpStatus: string; schema?: unknown }) => (doc: unknown) => string {
    return (externalSchemas, options) => {
      const compileFor = SerializerSelector()(externalSchemas, options as never);
      return (route) => {
        let compiled: ((doc: unknown) => string) | undefined;
        const get = () => (compiled ??= compileFor(route));
        this.#pending.push(get);
        return (doc) => get()(doc);
      };
    };
  }

  /** Compiles what no request has needed yet, one schema per turn of the event loop. */
  warmUp(log: FastifyBaseLogger): void {
    const next = () => {
      const compile = this.#pending.shift();
      if (!compile) return;
      try {
        compile();
      } catch (e) {
        log.error({ err: e }, 'a route schema does not compile');
      }
      setImmediate(next).unref();
    };
    setImmediate(next).unref();
  }
}
