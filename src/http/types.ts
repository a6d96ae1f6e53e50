import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { AuditEntry } from '../audit/audit-event.ts';
import type { RequestContext } from '../domain/principal.ts';

export type AuditLogWriter = (ctx: RequestContext, e: AuditEntry) => Promise<void>;

/** The Fastify instance routes are declared on: each handler's params, query, body and answer typed from its schema. */
export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;
