import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { type ConfiguredHandler, loadConfiguredHandler } from './handler/load-handler.js';
import type { ProcessTransaction } from './handler/process-transaction.js';
import { buildHttpApp } from './http/http-app.js';
import { readinessRoutes } from './http/routes/readiness-routes.js';
import { buildSenderVerifier } from './http/signatures/sender-verifier.js';
import { IngestPipeline } from './ingest/ingest-pipeline.js';
import type { Logger } from './logger.js';
import { metricsRoutes } from './metrics/metrics-routes.js';
import { type MetricsServer, startMetricsServer } from './metrics/metrics-server.js';
import { ServiceMetrics } from './metrics/service-metrics.js';
import { enabledProviders, enablingVariables, storedEventReader } from './providers/provider-registry.js';
import { createQueue } from './queue/create-queue.js';
import type { JobQueue } from './queue/job-queue.js';
import { createReconciler } from './reconcile/create-reconciler.js';
import type { Reconciler } from './reconcile/reconciler.js';
import { createStore } from './store/create-store.js';
import type { TransactionStore } from './store/transaction-store.js';
import { RecoverySweep } from './worker/recovery-sweep.js';
import { LONGEST_PROVIDER_RETRY_MS, RetentionSweep } from './worker/retention-sweep.js';
import { TransactionWorker } from './worker/transaction-worker.js';
import type { WorkerEvent, WorkerEventListener } from './worker/worker-events.js';

/** Overrides for embedding and tests; production uses the defaults. */
export interface RuntimeOptions {
  logger: Logger;
  /** Replaces the handler from the configuration. */
  handler?: ProcessTransaction;
  /** Observes worker events (metrics, tests). */
  onWorkerEvent?: WorkerEventListener;
  /** Listen on the configured host and port. Default true; tests use `app.inject` with false. */
  listen?: boolean;
}

/** A started process: its parts, and the one way to stop them in order. */
export interface Runtime {
  readonly config: Config;
  readonly store: TransactionStore;
  readonly queue: JobQueue;
  /** Present in the `api` and `all` roles. */
  readonly app?: FastifyInstance;
  /** The address the HTTP server listens on, when listening. */
  readonly address?: string;
  /** Where a worker-only process serves `GET /metrics` (`METRICS_PORT`), when it does. */
  readonly metricsAddress?: string;
  /** Present in the `worker` and `all` roles. */
  readonly worker?: TransactionWorker;
  readonly sweep?: RecoverySweep;
  /** Present in the worker roles when a provider's API credentials are set (reconciliation). */
  readonly reconciler?: Reconciler;
  /** Present in the `worker` and `all` roles. */
  readonly retention?: RetentionSweep;
  /**
   * Graceful stop: refuse new connections and finish in-flight requests, stop sweeping and
   * claiming, let handlers finish within what is left of `shutdownTimeoutMs` (then release their
   * leases), close the queue and the store.
   */
  stop(): Promise<void>;
}

/**
 * Opens the store and the queue, then starts the worker and the recovery sweep (worker roles),
 * then the HTTP server (API roles), so no webhook is accepted before its path to a worker exists.
 */
export async function startRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const { logger } = options;
  const store = await createStore(config.store, { log: logger, recordAttempts: config.attemptHistory });
  const queue = await createQueue(config.queue, { log: logger });
  await store.ready();
  await queue.ready();

  let handler: ConfiguredHandler | undefined;
  let worker: TransactionWorker | undefined;
  let sweep: RecoverySweep | undefined;
  let reconciler: Reconciler | undefined;
  let retention: RetentionSweep | undefined;
  let app: FastifyInstance | undefined;
  let ingest: IngestPipeline | undefined;
  let address: string | undefined;
  let metricsServer: MetricsServer | undefined;
  // Every role keeps its metrics: a worker-only process serves them on METRICS_PORT when set, so
  // its forwarding outcomes and failures reach Prometheus in a split deployment too.
  const metrics = new ServiceMetrics({ store, queue, log: logger });
  const onWorkerEvent = (event: WorkerEvent) => {
    metrics.onWorkerEvent(event);
    options.onWorkerEvent?.(event);
  };

  const stop = async () => {
    const deadline = Date.now() + config.shutdownTimeoutMs;
    await metricsServer?.close();
    await app?.close();
    await ingest?.drain();
    await reconciler?.stop();
    await sweep?.stop();
    await retention?.stop();
    await worker?.stop(Math.max(deadline - Date.now() - 1000, 0));
    await handler?.close();
    await queue.close();
    await store.close();
  };

  try {
    if (config.role !== 'api') {
      handler = options.handler
        ? { process: options.handler, close: async () => undefined }
        : await loadConfiguredHandler(config, {
            log: logger.child({ role: 'worker' }),
            onAttempt: metrics.observeForward,
          });
      const w = config.worker;
      worker = new TransactionWorker({
        store,
        queue,
        handler: handler.process,
        log: logger.child({ role: 'worker' }),
        concurrency: w.concurrency,
        processDelayMs: w.processDelayMs,
        maxAttempts: w.maxAttempts,
        retryBaseMs: w.retryBaseMs,
        retryMaxMs: w.retryMaxMs,
        leaseMs: w.leaseMs,
        onEvent: onWorkerEvent,
        // A bounded in-process queue that refused jobs has room again: take the oldest RECEIVED
        // rows from the store now rather than at the next sweep.
        onQueueRoom: () => {
          sweep?.sweep(0).catch((error: unknown) => {
            logger.error({ err: error }, 'refilling the queue from the store failed; the sweep will');
          });
        },
      });
      worker.start();
      sweep = new RecoverySweep({
        store,
        queue,
        log: logger.child({ role: 'sweep' }),
        intervalMs: w.sweepIntervalMs,
        receivedStaleMs: w.receivedStaleMs,
        onEvent: onWorkerEvent,
      });
      // An in-process queue starts empty, so every RECEIVED row needs a job now, however fresh.
      await sweep.start(config.queue.kind === 'in-process' ? 0 : w.receivedStaleMs);
      if (config.role === 'worker' && config.metricsPort !== null) {
        metricsServer = await startMetricsServer(metrics, {
          host: config.http.host,
          port: config.metricsPort,
          log: logger,
        });
        logger.info({ address: metricsServer.address }, 'metrics listening');
      }
      // One process at a time reconciles each provider, under a lease in the store.
      reconciler = createReconciler(config.reconcile, {
        store,
        queue,
        log: logger.child({ role: 'reconcile' }),
        readEvent: storedEventReader(config.providerRegistry),
        onRun: metrics?.observeReconcileRun,
      });
      reconciler?.start();
      logger.info(
        { owner: worker.owner, concurrency: w.concurrency, reconciles: reconciler?.providers ?? [] },
        'worker started',
      );
      retention = startRetention(config, store, logger, metrics);
    }
    if (config.role !== 'worker') {
      if (config.webhookSecrets.length === 0) {
        logger.warn(
          'WEBHOOK_SECRETS is not set: POST /v1/webhooks/transactions accepts webhooks without verifying who sent them',
        );
      }
      const registry = config.providerRegistry;
      const providers = enabledProviders(registry, config.providers);
      logger.info(
        {
          enabled: [...providers.keys()].map((p) => `/v1/webhooks/${p}`),
          disabled: registry
            .filter((d) => !providers.has(d.name))
            .map((d) => `/v1/webhooks/${d.name} (set ${enablingVariables(d)})`),
        },
        'provider webhook endpoints',
      );
      if (config.apiKeys.length === 0) {
        logger.warn(
          'API_KEYS is not set: transaction reads and requeues are open to anyone who can reach the service',
        );
      }
      ingest = new IngestPipeline({ store, queue, log: logger, onBatch: metrics.onIngestBatch });
      app = await buildHttpApp({
        store,
        queue,
        ingest,
        logger,
        bodyLimit: config.http.bodyLimit,
        apiKeys: config.apiKeys,
        verifySender:
          config.webhookSecrets.length > 0 ? buildSenderVerifier(config.webhookSecrets) : undefined,
        registry,
        providers,
        readStoredEvent: storedEventReader(registry),
        plugins: [readinessRoutes({ store, queue }), metricsRoutes(metrics)],
      });
      if (options.listen ?? true) {
        address = await app.listen({ host: config.http.host, port: config.http.port });
        logger.info(
          { address, role: config.role, store: config.store.kind, queue: config.queue.kind },
          'listening',
        );
      }
    }
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return {
    config,
    store,
    queue,
    app,
    address,
    metricsAddress: metricsServer?.address,
    worker,
    sweep,
    reconciler,
    retention,
    stop,
  };
}

/** Starts retention in a worker process, saying what it keeps, and warns when that is risky. */
function startRetention(
  config: Config,
  store: TransactionStore,
  logger: Logger,
  metrics: ServiceMetrics | undefined,
): RetentionSweep {
  const { recordMs, payloadMs, intervalMs } = config.retention;
  const days = (ms: number | null) => (ms === null ? 'kept' : ms / 86_400_000);
  logger.info(
    { transactionDays: days(recordMs), payloadDays: days(payloadMs), intervalSeconds: intervalMs / 1000 },
    'retention of finished transactions',
  );
  if (recordMs !== null && recordMs < LONGEST_PROVIDER_RETRY_MS) {
    logger.warn(
      `RETENTION_DAYS is below ${LONGEST_PROVIDER_RETRY_MS / 86_400_000}: a provider's late retry (Stripe retries for 3 days) of a transaction already deleted would be stored and processed again`,
    );
  }
  const retention = new RetentionSweep({
    store,
    log: logger.child({ role: 'retention' }),
    recordMs,
    payloadMs,
    intervalMs,
    onEvent: metrics?.observeRetention,
  });
  retention.start();
  return retention;
}
