import { randomBytes } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { dashboardRoutes, setDashboardHeaders } from '../dashboard/dashboard-routes.js';
import type { Provider } from '../domain/provider-event.js';
import type { IngestPipeline } from '../ingest/ingest-pipeline.js';
import type { Logger } from '../logger.js';
import { type ProviderRegistry, providerNames } from '../providers/provider-registry.js';
import type { WebhookProvider } from '../providers/webhook-provider.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { TransactionStore } from '../store/transaction-store.js';
import type { StoredEventReader } from '../transactions/payment-view.js';
import { requireApiKey } from './api-key-auth.js';
import {
  clientErrorHandler,
  expectationFailedHandler,
  frameworkErrorHandler,
  installErrorHandlers,
} from './http-errors.js';
import { installJsonBodyParser } from './json-body.js';
import { lazyRequestLogger } from './request-logger.js';
import { attemptRoutes } from './routes/attempt-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { operatorRoutes } from './routes/operator-routes.js';
import { paymentRoutes } from './routes/payment-routes.js';
import { providerWebhookRoutes } from './routes/provider-webhook-routes.js';
import { reconciliationRoutes } from './routes/reconciliation-routes.js';
import { replayRoutes } from './routes/replay-routes.js';
import { timelineRoutes } from './routes/timeline-routes.js';
import { transactionRoutes } from './routes/transaction-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';

/** Everything the HTTP app needs; it owns none of it (the runtime opens and closes these). */
export interface HttpAppOptions {
  store: TransactionStore;
  queue: JobQueue;
  ingest: IngestPipeline;
  logger: Logger;
  /** Largest accepted body in bytes; larger answers 413. */
  bodyLimit: number;
  /** Keys for `Authorization: Bearer`; empty leaves read and admin endpoints open. */
  apiKeys: readonly string[];
  /** Verifies a webhook's sender before anything is stored; absent when no secrets are configured. */
  verifySender?: (request: FastifyRequest) => void;
  /** Every registered provider: each has an endpoint, a place in the filters and in `/v1/stats`. */
  registry: ProviderRegistry;
  /** The providers whose own endpoints are enabled (their settings are configured). Default none. */
  providers?: ReadonlyMap<Provider, WebhookProvider>;
  /** Re-reads stored provider events for `GET /v1/payments/{id}`. */
  readStoredEvent: StoredEventReader;
  /** Extra plugins registered after the built-in routes (metrics, readiness). */
  plugins?: ReadonlyArray<(app: FastifyInstance) => Promise<void>>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Makes request ids: a random prefix per app (72 bits, so ids from other processes and restarts do
 * not collide) and a counter. Unique like a UUID per request, without its random bytes and formatting
 * on every webhook.
 */
function requestIds(): () => string {
  const prefix = randomBytes(9).toString('base64url');
  let sequence = 0;
  return () => `${prefix}-${(++sequence).toString(36)}`;
}

/** Security headers for the documentation pages, which serve HTML and scripts. */
const DOCS_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

function setDocsHeaders(_request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  reply.headers(DOCS_HEADERS);
  done();
}

/**
 * Builds the HTTP application without listening. Order: body parsing and errors, then the OpenAPI
 * document (it must see every route), then the routes.
 */
export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const nextRequestId = requestIds();
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps Fastify's default generics on the instance.
    loggerInstance: options.logger as FastifyBaseLogger,
    // No log line per request: at thousands of webhooks a second they would cost more than the work.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: options.bodyLimit,
    // Honour a caller's X-Request-Id when it is short and plain; otherwise make one.
    requestIdHeader: false,
    genReqId: (req) => {
      const offered = req.headers['x-request-id'];
      return typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : nextRequestId();
    },
    // Longer than the idle timeout of common load balancers (60 s), so they never reuse a closed socket.
    keepAliveTimeout: 65_000,
    requestTimeout: 30_000,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
    // Fastify's default (100) is below the 128 characters a transaction id may have; longer segments
    // still reach the schema (422) up to this bound, and answer 414 beyond it.
    routerOptions: { maxParamLength: 512 },
    // Errors raised before any route runs (router, Node's HTTP parser) answer in the same shape.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();

  installJsonBodyParser(app, options.bodyLimit);
  installErrorHandlers(app);
  app.server.on('checkExpectation', expectationFailedHandler);
  // On every documentation route, the UI's static files included (swagger-ui's uiHooks miss those),
  // attached per route so that the webhook's hot path runs no extra hook.
  app.addHook('onRoute', (route) => {
    const headers = route.url.startsWith('/docs')
      ? setDocsHeaders
      : route.url.startsWith('/dashboard')
        ? setDashboardHeaders
        : undefined;
    if (!headers) return;
    const existing = route.onRequest ? [route.onRequest].flat() : [];
    route.onRequest = [...existing, headers];
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Webhook Processor API',
        description:
          'Receives payment webhooks, acknowledges with 202, stores each exactly once, processes in the background.',
        version: '0.1.0',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes);
  await app.register(webhookRoutes, { ingest: options.ingest, verifySender: options.verifySender });
  await app.register(providerWebhookRoutes, {
    ingest: options.ingest,
    registry: options.registry,
    providers: options.providers ?? new Map(),
    bodyLimit: options.bodyLimit,
  });
  const authorize = requireApiKey(options.apiKeys);
  const names = providerNames(options.registry);
  await app.register(transactionRoutes, { store: options.store, queue: options.queue, authorize });
  await app.register(operatorRoutes, {
    store: options.store,
    queue: options.queue,
    authorize,
    providers: names,
  });
  await app.register(paymentRoutes, { store: options.store, readEvent: options.readStoredEvent, authorize });
  await app.register(reconciliationRoutes, { store: options.store, authorize });
  await app.register(attemptRoutes, { store: options.store, authorize });
  await app.register(replayRoutes, {
    store: options.store,
    queue: options.queue,
    authorize,
    providers: names,
  });
  await app.register(timelineRoutes, { store: options.store, authorize });
  await dashboardRoutes({ apiKeyRequired: options.apiKeys.length > 0, providers: names })(app);
  for (const plugin of options.plugins ?? []) await plugin(app);
  await app.ready();
  return app;
}
