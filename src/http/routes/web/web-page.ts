import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import { Type } from 'typebox';
import { mintDevToken } from '../../../auth/dev-token.ts';
import { Roles } from '../../../domain/principal.ts';
import { AppError } from '../../../domain/errors.ts';
import { isValidNhsNumber } from '../../../domain/nhs-number.ts';
import { Nullable, StringEnum } from '../../../schema/typebox.ts';
import { problem } from '../../schemas.ts';
import type { App, AuditLogWriter } from '../../types.ts';
import { WEB_DIST } from './web-bundle.ts';

export interface WebPageOptions {
  /** The embedded development secret, when it is the one in use; null with an external identity provider. */
  devSecret: Buffer | null;
  jwt: { issuer: string; audience: string; rolesClaim: string };
  oidc: { issuer: string; clientId: string } | null;
  maxUploadBytes: number;
}

export interface WebPageDeps extends WebPageOptions {
  /** Refused development sign-ins are denials, and every denial is audited. */
  audit: AuditLogWriter;
}

/** The page's runtime settings. */
const pageConfig = Type.Object({
  devSignIn: Type.Boolean(),
  oidc: Nullable(Type.Object({ issuer: Type.String(), clientId: Type.String() })),
  maxUploadBytes: Type.Integer(),
  roles: Type.Array(Type.String()),
  rolesClaim: Type.String(),
});

/**
 * The clinician's page at / (a static bundle built by vite from web/), its runtime settings at /ui/config.json, and
 * the development sign-in (POST /v1/dev/token), which exists only while the embedded development secret signs tokens.
 */
export async function webPageRoutes(app: App, o: WebPageDeps): Promise<void> {
  // Everything in this scope is public (the page's files; the API calls it makes carry the bearer token).
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), auth: false } as never;
  });
  const csp = pagePolicy(o.oidc);
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', csp);
  });
  app.get('/ui/config.json', { config: { auth: false }, schema: { hide: true, response: { 200: pageConfig } } }, async () => ({
    devSignIn: o.devSecret !== null,
    oidc: o.oidc,
    maxUploadBytes: o.maxUploadBytes,
    roles: [...Roles],
    rolesClaim: o.jwt.rolesClaim,
  }));

  app.post('/v1/dev/token', {
    config: { auth: false },
    schema: {
      tags: ['development'],
      summary: 'Development sign-in: a token for the chosen user and role (only while the embedded development secret is in use)',
      security: [],
      body: Type.Object(
        {
          sub: Type.String({ pattern: '^[A-Za-z0-9._@-]{1,64}$' }),
          role: StringEnum(Roles),
          patients: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9]{10}$' }), { maxItems: 50 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Object({ token: Type.String(), expiresIn: Type.String() }), 400: problem, 403: problem },
    },
  }, async (request) => {
    if (!o.devSecret) {
      await o.audit(request.ctx, { action: 'auth', outcome: 'denied', errorCode: 'forbidden', detail: { route: '/v1/dev/token', method: 'POST' } });
      throw new AppError('forbidden', 'development sign-in is off: tokens come from the identity provider');
    }
    // A development instance exposed on a network must not hand out tokens (an admin's among them) to anyone who
    // reaches it: the sign-in answers only clients on this machine.
    if (!isLoopback(request.ip)) {
      await o.audit(request.ctx, { action: 'auth', outcome: 'denied', errorCode: 'forbidden', detail: { route: '/v1/dev/token', method: 'POST', reason: 'not a loopback client' } });
      throw new AppError('forbidden', 'development sign-in answers only clients on this machine (127.0.0.1 or ::1)');
    }
    const b = request.body;
    const bad = b.patients?.find((p) => !isValidNhsNumber(p));
    if (bad) throw new AppError('invalid_nhs_number', `${bad} is not a valid NHS number`, { field: 'patients' });
    const token = await mintDevToken(o.devSecret, o.jwt, { sub: b.sub, roles: [b.role], patients: b.patients, expiresIn: '8h' });
    // every token minted is on the trail, under the user it was minted for
    const ctx = { ...request.ctx, principal: { sub: b.sub, roles: [b.role], patients: b.patients ?? null } };
    await o.audit(ctx, { action: 'auth', outcome: 'success', detail: { route: '/v1/dev/token', method: 'POST', devSignIn: true } });
    return { token, expiresIn: '8h' };
  });

  // The NHS design system's own images (its CSS refers to /assets/images/…), straight from the package.
  const nhsuk = path.join(path.dirname(createRequire(import.meta.url).resolve('nhsuk-frontend/package.json')), 'dist', 'nhsuk', 'assets');
  await app.register(fastifyStatic, { root: nhsuk, prefix: '/assets/', decorateReply: false, schemaHide: true });

  if (existsSync(path.join(WEB_DIST, 'index.html'))) {
    await app.register(fastifyStatic, { root: WEB_DIST, prefix: '/', index: 'index.html', decorateReply: false, wildcard: false, schemaHide: true });
  } else {
    app.get('/', { config: { auth: false }, schema: { hide: true } }, async (_r, reply) =>
      reply.type('text/html; charset=utf-8').code(503).send('<!doctype html><title>Quill Document Store</title><p>The page is not built: run <code>npm run build:web</code> (npm install and npm start do it).</p><p><a href="/docs">API documentation</a></p>'),
    );
  }
}

/**
 * The page's Content-Security-Policy: its own scripts, styles, fonts and images only (vite emits no inline script or
 * style; 'wasm-unsafe-eval' lets it compile WebAssembly, hash-wasm's SHA-256, and nothing else: no JavaScript eval),
 * API calls to this origin and, with an identity provider, to its origin (discovery, token, refresh); the
 * documents it shows are blob: URLs it made from verified bytes (an <img>, a PDF in an <iframe>); no plug-in, no
 * <base>, forms post here only, and no other site may frame it (clickjacking).
 */
export function pagePolicy(oidc: { issuer: string } | null): string {
  const idp = oidc ? ` ${new URL(oidc.issuer).origin}` : '';
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${idp}`,
    'frame-src blob:',
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** 127.0.0.0/8, ::1, and IPv4-mapped 127.x. */
function isLoopback(ip: string): boolean {
  return ip === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip);
}
