import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { TokenVerifier } from '../auth/verifier.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { FhirIndexService } from '../fhir/index-service.ts';
import { defaultAllowedContentTypes } from '../domain/content-types.ts';
import type { DocumentValueSet } from '../domain/document-types.ts';
import type { DocumentService } from '../documents/service.ts';
import { auditRejectedRequest } from './audit-rejected.ts';
import { clientErrorHandler } from './client-error.ts';
import { authHook, baseContext } from './context.ts';
import { createCursorCodec } from './cursor.ts';
import { methodNotAllowed } from './method-not-allowed.ts';
import { observeRequests } from './metrics.ts';
import { sendProblem, toAppError } from './problem.ts';
import { finishOpenApi } from './openapi-document.ts';
import { auditRoute } from './routes/audit.ts';
import { signedBlobRoute } from './routes/blobs.ts';
import { documentTypesRoute } from './routes/document-types.ts';
import { addVersionRoute } from './routes/documents/add-version.ts';
import { contentRoute } from './routes/documents/content.ts';
import { createDocumentRoute } from './routes/documents/create.ts';
import { uploadRequestBody } from './routes/documents/upload-body.ts';
import { downloadUrlRoutes } from './routes/documents/download-url.ts';
import { enterInErrorRoute } from './routes/documents/enter-in-error.ts';
import { getDocumentRoute } from './routes/documents/get.ts';
import { listDocumentsRoute } from './routes/documents/list.ts';
import { fhirRoutes } from './routes/fhir/fhir-routes.ts';
import { transactionBundleBody } from './routes/fhir/fhir-answers.ts';
import { mhdReadRoutes, provideBundleRoute } from './routes/fhir/mhd-routes.ts';
import type { DocumentRecipient } from '../mhd/provide-bundle.ts';
import type { SubmissionSetService } from '../mhd/list-search.ts';
import { opsRoutes, type ReadinessCheck } from './routes/ops.ts';
import { patientExportRoute } from './routes/patients/export.ts';
import type { PatientExports } from '../subject-access/patient-export.ts';
import { sharedSchemas } from './schemas.ts';
import type { AuditLogWriter } from './types.ts';
import type { RetentionService } from '../retention/retention-service.ts';
import type { DisposalRun } from '../retention/disposal.ts';
import type { RequestContext } from '../domain/principal.ts';
import { retentionFactsRoutes } from './routes/retention/facts.ts';
import { legalHoldRoutes } from './routes/retention/holds.ts';
import { disposalRoutes } from './routes/retention/disposal.ts';
import { installValidators } from './validation.ts';
import { LazySchemas } from './lazy-schemas.ts';
import type { ResumableUploads } from '../uploads/resumable-uploads.ts';
import { tusRoutes } from './routes/uploads/tus-routes.ts';
import { webPageRoutes, type WebPageOptions } from './routes/web/web-page.ts';

export interface AppDeps {
  log: Logger;
  documents: DocumentService;
  audits: AuditService;
  fhirIndex: FhirIndexService;
  /** IHE MHD: ITI-65 Provide Document Bundle (POST /fhir) and ITI-66 Find Document Lists. */
  mhd: { recipient: DocumentRecipient; lists: SubmissionSetService };
  verify: TokenVerifier;
  audit: AuditLogWriter;
  valueSet: DocumentValueSet;
  maxUploadBytes: number;
  /** This service serves the filesystem store's signed URLs. */
  urlSigningKey: Buffer;
  readiness: ReadinessCheck[];
  /** /healthz: false when a supervised part (the embedded PostgreSQL) cannot be brought back. */
  health?: () => { ok: boolean; detail?: string };
  baseUrl: () => string;
  requestTimeoutMs: number;
  /** QUILL_SEND_TIMEOUT_MS: a response carrying document bytes whose client takes none for this long is cut off. */
  sendTimeoutMs: number;
  odsCode: string;

  /** Records governance (retention, legal hold, disposal). */
  retention?: { service: RetentionService; runDisposals: (ctx: RequestContext, batchId: string) => Promise<DisposalRun> } | undefined;
  /** The Prometheus registry behind /metrics (and QUILL_METRICS_PORT's listener): request latency is added here. */
  metrics: Registry;
  /** PEM certificate and key: serve HTTPS (with HSTS) instead of HTTP. */
  tls?: { cert: Buffer; key: Buffer } | null;
  /** Fastify trustProxy (QUILL_TRUST_PROXY): which X-Forwarded-For hops name the real client. */
  trustProxy?: boolean | number | string[];
  /** tus resumable uploads at /v1/uploads (issue 13). */
  uploads?: ResumableUploads;
  /** The clinician's page at / (issue 13). */
  web?: WebPageOptions;
  /** Subject-access exports at /v1/patients/{nhs}/export (issue 24). */
  exports?: PatientExports;
}

const MAX_HEADER_BYTES = 64 * 1024;

export async function buildApp(d: AppDeps): Promise<FastifyInstance> {
  const schemas = new LazySchemas();
  const fastify = Fastify({
    // every route's serializer and validator compiles on first use (LazySchemas), not all at start-up
    schemaController: { compilersFactory: { buildSerializer: schemas.serializerFactory() } },
    loggerInstance: d.log as FastifyBaseLogger,
    // the service's own id names the request in the trail; a client's X-Request-Id is kept as audit detail
    // (http/context.ts), so no client can file its actions under another request's id
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: 1024 * 1024, // JSON bodies only; uploads stream and are limited by QUILL_MAX_UPLOAD_BYTES
    requestTimeout: d.requestTimeoutMs,
    connectionTimeout: 0,
    trustProxy: d.trustProxy ?? false,
    clientErrorHandler,
    // a malformed or over-long path parameter is answered by the router itself: as problem+json too
    frameworkErrors: (err: Error, request: FastifyRequest, reply: FastifyReply) => sendProblem(reply, request, err),
    // room for a query string carrying every upload field at its longest, percent-encoded (Node's default is 16 KiB)
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    ...(d.tls ? { https: { cert: d.tls.cert, key: d.tls.key, maxHeaderSize: MAX_HEADER_BYTES } } : {}),
  } as FastifyServerOptions) as unknown as FastifyInstance;
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  for (const s of sharedSchemas) app.addSchema(s);
  installValidators(app, sharedSchemas, schemas);
  app.addHook('onListen', async () => schemas.warmUp(app.log));
  const allow405 = methodNotAllowed(app);
  const cursors = createCursorCodec(d.urlSigningKey);

  const tokenHelp =
    'Every call but the public ones needs a bearer token (Authorize, then paste it). On the embedded development default, ' +
    'mint one with `npx quill-docstore token --sub alice --role clinician` (roles: clinician, records-manager, auditor, ' +
    'admin; `--patient <NHS number>` limits it to that patient). With an identity provider configured ' +
    '(QUILL_JWKS_URL or QUILL_JWT_SECRET), get the token from it.';
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Quill Document Store',
        version: (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version,
        description: `Clinical documents: bytes in object storage, metadata and audit in PostgreSQL, index in FHIR R4.\n\n${tokenHelp}`,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: tokenHelp } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    // a route that needs no token (config.auth false) says so in the document: `security: []`
    transform: ({ schema, url, route }) => ({
      schema: (route.config as { auth?: boolean } | undefined)?.auth === false && schema ? ({ ...schema, security: [] } as never) : schema,
      url,
    }),
    transformObject: (doc) =>
      finishOpenApi(
        (doc as { openapiObject: Record<string, unknown> }).openapiObject,
        { '/v1/documents': uploadRequestBody('create'), '/v1/documents/{id}/versions': uploadRequestBody('version'), '/fhir': transactionBundleBody },
        defaultAllowedContentTypes,
      ) as never,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
  await app.register(formbody);

  observeRequests(app, d.metrics);
  app.addHook('onRequest', authHook(d.verify, d.audit));
  app.addHook('preHandler', async (request) => {
    request.reachedHandler = true;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    // nothing this service answers is meant to be framed (clickjacking): the page and document bytes set a fuller policy
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', "frame-ancestors 'none'");
    reply.header('x-frame-options', 'DENY');
    if (request.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
  });
  app.setErrorHandler(async (err, request, reply) => {
    const e = toAppError(err);
    await auditRejectedRequest(d.audit, request, e).catch((ae: unknown) => request.log.error({ err: ae }, 'could not audit a rejected request'));
    // a refused upload whose body was not read to the end: close the connection rather than leave it half-read
    if (!request.raw.complete) reply.header('connection', 'close');
    return sendProblem(reply, request, e);
  });
  app.setNotFoundHandler((request, reply) => {
    request.ctx ??= baseContext(request);
    return sendProblem(reply, request, Object.assign(new Error(`no route ${request.method} ${request.url.split('?')[0]}`), { statusCode: 404 }));
  });

  // Uploads: bodies are streams, never parsed or buffered by Fastify.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    await scope.register(multipart, { throwFileSizeLimit: false });
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
    createDocumentRoute(scope, d.documents, d.maxUploadBytes);
    addVersionRoute(scope, d.documents, d.maxUploadBytes);
  });

  if (d.uploads) await app.register(async (scope) => tusRoutes(scope, d.uploads!));
  // ITI-65 bundles: streamed too, never parsed by Fastify (src/mhd/bundle-reader.ts)
  await app.register(async (scope) => provideBundleRoute(scope, d.mhd.recipient));

  getDocumentRoute(app, d.documents);
  listDocumentsRoute(app, d.documents, cursors);
  downloadUrlRoutes(app, d.documents);
  contentRoute(app, d.documents, d.sendTimeoutMs);
  enterInErrorRoute(app, d.documents);
  if (d.exports) patientExportRoute(app, d.exports);
  documentTypesRoute(app, d.valueSet);
  auditRoute(app, d.audits, { odsCode: d.odsCode, baseUrl: d.baseUrl }, cursors);
  signedBlobRoute(app, d.documents, d.urlSigningKey, d.sendTimeoutMs);
  fhirRoutes(app, d.fhirIndex, d.baseUrl);
  mhdReadRoutes(app, d.mhd.lists, d.documents, d.baseUrl, d.sendTimeoutMs);
  opsRoutes(app, d.readiness, d.metrics, { verify: d.verify, audit: d.audit, health: d.health });
  if (d.retention) {
    retentionFactsRoutes(app, d.retention.service);
    legalHoldRoutes(app, d.retention.service);
    disposalRoutes(app, d.retention.service, d.retention.runDisposals, cursors);
  }
  app.get('/openapi.json', { config: { auth: false }, schema: { hide: true } }, async () => app.swagger());
  if (d.web) await app.register(async (scope) => webPageRoutes(scope, { ...d.web!, audit: d.audit }));
  else app.get('/', { config: { auth: false }, schema: { hide: true } }, async (_r, reply) => reply.redirect('/docs'));
  allow405.install();

  return app;
}
