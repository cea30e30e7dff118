import { join } from 'node:path';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { isTruceError, TruceError } from '@truce/core';
import Fastify, { type FastifyServerOptions } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { AccountsRepository } from '../accounts/accounts-repository.js';
import { AccountsService } from '../accounts/accounts-service.js';
import { BreachedPasswords } from '../accounts/breached-passwords.js';
import { DeviceKeys } from '../accounts/device-keys.js';
import { loadMfaKey } from '../accounts/mfa-key.js';
import type { Actor } from '../accounts/model.js';
import { OrgKeys } from '../accounts/org-keys.js';
import { type Mailer, SmtpMailer } from '../alerts/smtp.js';
import { AuditAnchorer } from '../audit/audit-anchor.js';
import { AuditLog } from '../audit/audit-log.js';
import { AuditShipper } from '../audit/audit-shipping.js';
import { BlobRegistry } from '../blobs/blob-registry.js';
import { LocalFolderBlobStore } from '../blobs/local-folder-blob-store.js';
import type { Ledger } from '../ledger/index.js';
import { loadKek } from '../persons/data-keys.js';
import { PersonsService } from '../persons/persons-service.js';
import { authorize, requireFreshSession } from '../policies/authorize.js';
import { AgreementsService } from '../routes/agreements/agreements-service.js';
import { agreementRoutes } from '../routes/agreements/handler.js';
import { aidRoutes } from '../routes/aid/handler.js';
import { alertRoutes } from '../routes/alerts/handler.js';
import { auditRoutes } from '../routes/audit/handler.js';
import { authRoutes } from '../routes/auth/handler.js';
import { checkpointRoutes } from '../routes/checkpoints/handler.js';
import { deviceRoutes } from '../routes/devices/handler.js';
import { EventsService } from '../routes/events/events-service.js';
import { eventRoutes } from '../routes/events/handler.js';
import { evidenceRoutes } from '../routes/evidence/handler.js';
import { exchangeRoutes } from '../routes/exchanges/handler.js';
import { exportRoutes } from '../routes/export/handler.js';
import { healthRoutes } from '../routes/health/handler.js';
import { importRoutes } from '../routes/imports/handler.js';
import { incidentRoutes } from '../routes/incidents/handler.js';
import { logRoutes } from '../routes/log/handler.js';
import { noticeRoutes } from '../routes/notices/handler.js';
import { orgRoutes } from '../routes/orgs/handler.js';
import { proofRoutes } from '../routes/proofs/handler.js';
import { publicationRoutes } from '../routes/publications/handler.js';
import { returnRoutes } from '../routes/returns/handler.js';
import { sitrepRoutes } from '../routes/sitrep/handler.js';
import { statusRoutes } from '../routes/status/handler.js';
import { StatusService } from '../routes/status/status-service.js';
import { streamRoutes } from '../routes/stream/handler.js';
import { tokenRoutes } from '../routes/tokens/handler.js';
import { userRoutes } from '../routes/users/handler.js';
import { zoneRoutes } from '../routes/zones/handler.js';
import { type SqlDriver, sqlDriverOf } from '../store/index.js';
import { authenticate, checkCsrf, cookieNames } from './authenticate.js';
import { defaultServerConfig, type ServerConfig } from './config.js';
import type { AppContext, TruceApp } from './context.js';
import { errorBody, sendError } from './errors.js';
import { sqlRateLimitStore } from './rate-limit-store.js';
import { errorResponse } from './schemas.js';
import { serveWeb, type WebAssets } from './web.js';

declare module 'fastify' {
  interface FastifyInstance {
    truce: AppContext;
  }
}

export interface BuildServerOptions {
  ledger: Ledger;
  /** The data folder: the server-held organisation keys live in `<dataDir>/org-keys`. */
  dataDir: string;
  /** The SQL database of accounts and audit; default: the one under the ledger's store. */
  db?: SqlDriver;
  clock?: () => Date;
  /**
   * The cell's "now" for the domain — the default `asOf` of a status, the report time of events
   * submitted through the server — when it differs from the real clock (the demo replays a
   * scenario on its own calendar). Sessions, lockouts, tokens and the audit log always use the
   * real clock. Default: `clock`.
   */
  domainClock?: () => Date;
  /** pino options, or false for silence (tests). */
  logger?: FastifyServerOptions['logger'];
  config?: Partial<ServerConfig>;
  /** The built dashboard to serve at `/` (loadWebAssets); none: the API alone. */
  web?: WebAssets | undefined;
  /**
   * How account notices (a lockout) leave by e-mail; default: SMTP from `TRUCE_SMTP_URL` and
   * `TRUCE_SMTP_FROM`, none when unset.
   */
  mailer?: Mailer | undefined;
}

const apiVersion = '1.0.0';

/**
 * The HTTP API. Every request goes: authenticate (onRequest) → authorize by the route's policy
 * action, and CSRF for sessions (preValidation, so a denied caller never learns what a valid
 * body looks like) → validate (zod) → handler (command) → presenter.
 */
export async function buildServer(options: BuildServerOptions): Promise<TruceApp> {
  const config: ServerConfig = { ...defaultServerConfig, ...options.config };
  const clock = options.clock ?? (() => new Date());
  const domainClock = options.domainClock ?? clock;
  const store = options.ledger.store;
  const db = options.db ?? sqlDriverOf(store);
  if (!db) {
    throw new TruceError(
      'USAGE',
      'the HTTP API needs a PGlite or PostgreSQL store (accounts and audit live in it)',
    );
  }
  const audit = new AuditLog(db);
  // A PGlite folder is open in one process only: what this process writes is all there is, so
  // sessions, the agreements' state and the log's latest entries may be answered from memory.
  const onlyWriter = store.kind === 'pglite' && options.db === undefined;
  const mailer = 'mailer' in options ? options.mailer : SmtpMailer.fromEnvironment();
  // Read (or made) on the first enrolment or login with a second factor, then kept.
  let mfaKey: Buffer | undefined;
  const devices = new DeviceKeys(db, options.ledger, audit, clock);
  const accounts = new AccountsService(new AccountsRepository(db), audit, {
    clock,
    ...config,
    // Every logout and revocation passes through this process; on PostgreSQL other processes
    // write too, and every request reads its session from the database.
    cacheCredentials: onlyWriter,
    mfaKey: () => (mfaKey ??= loadMfaKey(options.dataDir)),
    mailer,
    devices,
    breachedPasswords:
      config.breachedPasswordsFile === undefined
        ? undefined
        : BreachedPasswords.open(config.breachedPasswordsFile),
  });
  const agreements = new AgreementsService(db, audit, clock, { cacheState: onlyWriter });
  const orgKeys = new OrgKeys(options.dataDir, options.ledger);
  const closing = new AbortController();
  const context: AppContext = {
    store,
    db,
    ledger: options.ledger,
    accounts,
    audit,
    agreements,
    events: new EventsService(options.ledger, orgKeys, audit, domainClock),
    orgKeys,
    status: new StatusService(store, agreements, domainClock),
    persons: new PersonsService(db, audit, () => loadKek(options.dataDir), clock),
    blobs: new BlobRegistry(
      db,
      new LocalFolderBlobStore(join(options.dataDir, 'blobs')),
      audit,
      clock,
    ),
    config,
    clock,
    domainClock,
    closing: closing.signal,
    routes: [],
    mailer,
    auditAnchor: new AuditAnchorer(audit, options.ledger, {
      clock,
      everyMs: config.auditAnchorMinutes * 60_000,
    }),
    devices,
    auditShipper:
      config.auditShipping === undefined
        ? undefined
        : new AuditShipper(db, audit, config.auditShipping),
  };

  const app = Fastify({
    logger: options.logger ?? {
      level: 'info',
      // Fastify logs no headers by default; these paths make sure none ever slips in.
      redact: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
        'password',
      ],
    },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    // Ids from the client are not trusted into logs.
    genReqId: () => crypto.randomUUID(),
  }).withTypeProvider<ZodTypeProvider>();
  app.decorate('truce', context);
  app.decorateRequest('actor', undefined as never);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(async (error, request, reply) => {
    // A refusal by the policy, a permission or CSRF check is audited (ASVS V16): who tried what.
    // Unauthenticated requests are not: they name nobody, and the request log has them.
    if (isTruceError(error) && error.code === 'FORBIDDEN' && request.actor?.kind !== undefined) {
      const actor = request.actor.kind === 'anonymous' ? undefined : request.actor.user;
      await audit
        .append({
          at: clock().toISOString(),
          actor: actor?.id,
          actorOrg: actor?.orgId,
          action: 'access.denied',
          target: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
          outcome: 'denied',
          ip: request.ip,
          details: {
            ...(request.routeOptions.config.action
              ? { policyAction: request.routeOptions.config.action }
              : {}),
            reason: error.message,
          },
        })
        .catch((auditError: unknown) =>
          request.log.error({ err: auditError }, 'auditing a refused request failed'),
        );
    }
    return sendError(error, request, reply);
  });
  const web = options.web;
  app.setNotFoundHandler((request, reply) =>
    web && serveWeb(web, request, reply)
      ? reply
      : reply
          .status(404)
          .send(
            errorBody(
              'NOT_FOUND',
              `no route ${request.method} ${request.url.split('?')[0]}; see /docs/openapi.json`,
            ),
          ),
  );
  for (const type of ['application/yaml', 'text/yaml', 'application/x-yaml', 'text/plain']) {
    app.addContentTypeParser(type, { parseAs: 'string' }, (_request, body, done) =>
      done(null, body),
    );
  }

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  await app.register(cookie);
  await app.register(rateLimit, {
    global: true,
    // On PostgreSQL several processes serve one API: they count a client's requests together.
    ...(store.kind === 'postgres' ? { store: sqlRateLimitStore(db) } : {}),
    max: config.requestsPerMinute,
    timeWindow: '1 minute',
    errorResponseBuilder: (_request, limit) => ({
      statusCode: 429,
      code: 'RATE_LIMITED',
      message: `too many requests; retry in ${Math.ceil(limit.ttl / 1000)} s`,
    }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'truce',
        version: apiVersion,
        description:
          'The HTTP API of truce: agreements, the signed event ledger, compliance status, accounts and audit. Errors are always {"error":{"code","message","details"}}.',
      },
      components: {
        securitySchemes: {
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: '__Host-truce_session',
            description:
              'Set by POST /api/v1/auth/login. Named `truce_session` (no prefix, not Secure) when the server listens on a loopback address for development.',
          },
          token: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  app.addHook('onRoute', (route) => {
    const action = route.config?.action;
    if (!action) throw new Error(`route ${route.method} ${route.url} names no policy action`);
    // Every documented route answers errors in the one shape; say so once, here.
    if (route.schema && !route.schema.hide) {
      route.schema.response = { '4xx': errorResponse, ...(route.schema.response ?? {}) };
    }
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') context.routes.push({ method, url: route.url, action });
    }
  });
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin !== undefined && config.corsOrigins.includes(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
      reply.header('vary', 'Origin');
      if (request.method === 'OPTIONS') {
        reply.header('access-control-allow-methods', 'GET, POST, PATCH, DELETE');
        reply.header(
          'access-control-allow-headers',
          'content-type, authorization, x-csrf-token, idempotency-key, last-event-id',
        );
        return reply.status(204).send();
      }
    }
    request.actor = { kind: 'anonymous' };
    request.actor = await authenticate(
      request,
      accounts,
      cookieNames(config.secureCookies).session,
    );
  });
  app.addHook('preValidation', async (request) => {
    const action = request.routeOptions.config.action;
    // Only the not-found handler has none (onRoute refuses routes without one).
    if (!action) return;
    authorize(request.actor, action);
    requireSecondFactor(request.actor, action, config);
    checkCsrf(request, request.actor, config);
    requireFreshSession(request.actor, action, clock(), config.reauthenticateMinutes);
  });
  // What the signed-in read (and every error) stays out of caches, the browser's included
  // (ASVS 14.3.2): a shared or borrowed computer keeps nothing. Routes that chose a policy keep
  // it; anonymous reads of public data (the public page, the log's key) are left cacheable.
  app.addHook('onSend', async (request, reply, payload) => {
    if (
      request.url.startsWith('/api/') &&
      reply.getHeader('cache-control') === undefined &&
      (request.actor?.kind !== 'anonymous' || reply.statusCode >= 400)
    ) {
      reply.header('cache-control', 'no-store');
    }
    return payload;
  });
  // Before the listener closes: open streams end, or closing would wait for them forever.
  app.addHook('preClose', async () => {
    closing.abort();
  });
  // The audit head goes into the ledger every few minutes while serving, and once at shutdown.
  app.addHook('onListen', async () => {
    context.auditAnchor.start((error) => app.log.error({ err: error }, 'audit anchor failed'));
    context.auditShipper?.start((error) => app.log.warn({ err: error }, 'audit shipping failed'));
  });
  app.addHook('preClose', async () => {
    await context.auditAnchor
      .stop()
      .catch((error: unknown) => app.log.error({ err: error }, 'audit anchor failed'));
    // After the anchor: the collector gets every line the server wrote, up to its shutdown.
    await context.auditShipper
      ?.stop()
      .catch((error: unknown) => app.log.error({ err: error }, 'audit shipping failed'));
  });

  const routes = [
    healthRoutes,
    noticeRoutes,
    alertRoutes,
    authRoutes,
    agreementRoutes,
    eventRoutes,
    statusRoutes,
    sitrepRoutes,
    publicationRoutes,
    checkpointRoutes,
    logRoutes,
    deviceRoutes,
    proofRoutes,
    exportRoutes,
    streamRoutes,
    orgRoutes,
    userRoutes,
    tokenRoutes,
    auditRoutes,
    importRoutes,
    evidenceRoutes,
    incidentRoutes,
    zoneRoutes,
    returnRoutes,
    exchangeRoutes,
    aidRoutes,
  ];
  for (const register of routes) register(app, context);
  app.get(
    '/docs/openapi.json',
    { config: { action: 'docs.read' }, schema: { hide: true } },
    async () => app.swagger(),
  );
  app.get('/docs', { config: { action: 'docs.read' }, schema: { hide: true } }, async (_r, reply) =>
    reply.redirect('/docs/openapi.json'),
  );
  await app.ready();
  return app;
}

/**
 * A session of a role that must have a second factor (`mfaRequiredRoles`) and has none reaches
 * only its own authentication routes — to set one up, see who it is, log out — until it does.
 */
function requireSecondFactor(actor: Actor, action: string, config: ServerConfig): void {
  if (actor.kind !== 'session' || actor.secondFactor) return;
  if (!config.mfaRequiredRoles.includes(actor.user.role) || action.startsWith('auth.')) return;
  throw new TruceError(
    'MFA_ENROLMENT_REQUIRED',
    `a ${actor.user.role} needs a second factor in this cell: set one up (POST /api/v1/auth/mfa, or the dashboard's account page), then go on`,
  );
}
