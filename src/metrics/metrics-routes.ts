import type { FastifyInstance } from 'fastify';
import type { ServiceMetrics } from './service-metrics.js';

/** The webhook endpoints, whose answers are counted by outcome: the original one and every provider's. */
const WEBHOOK_ROUTE_PREFIX = '/v1/webhooks/';

/**
 * Serves `GET /metrics` (Prometheus text format) and counts webhook answers. Registered through
 * `HttpAppOptions.plugins`, after the routes.
 *
 * `/metrics` is not behind `API_KEYS`, like `/` and `/ready`: it carries counts and timings, no
 * transaction data, and Prometheus scrapes without credentials by default. `API_KEYS` grant reads
 * and requeues of transactions, so putting one into a scrape configuration would spread a key that
 * can do far more than read metrics. Restrict the path at the network (or ingress) instead, as for
 * any internal endpoint.
 */
export function metricsRoutes(metrics: ServiceMetrics): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    // A callback hook (not async): it runs on every webhook, so it should cost as little as possible.
    app.addHook('onResponse', (request, reply, done) => {
      if (request.routeOptions.url?.startsWith(WEBHOOK_ROUTE_PREFIX))
        metrics.observeWebhook(reply.statusCode, reply.elapsedTime);
      done();
    });
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.header('content-type', metrics.registry.contentType).send(text);
    });
  };
}
