import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ReconcileRun, ReconcileStatus } from '../domain/reconciliation.js';
import { TRANSACTION_STATUSES, type TransactionStatus } from '../domain/transaction.js';
import { FORWARD_OUTCOMES, type ForwardOutcome } from '../handler/forward/forward-outcome.js';
import type { IngestBatch } from '../ingest/ingest-pipeline.js';
import type { Logger } from '../logger.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { TransactionStore } from '../store/transaction-store.js';
import type { RetentionEvent } from '../worker/retention-sweep.js';
import type { WorkerEvent } from '../worker/worker-events.js';

/** How a webhook request ended, as counted in `webhooks_received_total{outcome}`. */
export type WebhookOutcome = 'accepted' | 'duplicate' | 'rejected' | 'unauthorized' | 'error';

const OUTCOMES: readonly WebhookOutcome[] = ['accepted', 'duplicate', 'rejected', 'unauthorized', 'error'];

/** Options of {@link ServiceMetrics}. */
export interface ServiceMetricsOptions {
  store: TransactionStore;
  queue: JobQueue;
  log: Logger;
  /** A scrape-time reading that takes longer than this is skipped (the gauge keeps its last value). Default 2000 ms. */
  readingTimeoutMs?: number;
}

const seconds = (ms: number) => ms / 1000;

/** Rejects after `ms`; the timer does not keep the process alive. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * One bound child per label value of a counter labelled `outcome`: no label lookup on the hot path,
 * and every outcome exported from the start (at 0).
 */
function outcomeChildren<T extends string>(
  counter: Counter,
  outcomes: readonly T[],
): Record<T, { inc(value?: number): void }> {
  return Object.fromEntries(
    outcomes.map((o) => {
      const child = counter.labels(o);
      child.inc(0);
      return [o, child];
    }),
  ) as Record<T, { inc(value?: number): void }>;
}

/**
 * The Prometheus metrics of one runtime, in a registry of its own (never prom-client's global one,
 * so several runtimes in one process, as in tests, do not clash). Counters and histograms are fed
 * by the HTTP layer ({@link ServiceMetrics.observeWebhook}), the ingest pipeline
 * ({@link ServiceMetrics.onIngestBatch}) and worker events ({@link ServiceMetrics.onWorkerEvent});
 * transactions by status and queue depth are read from the store and the queue when scraped.
 *
 * Every role keeps one: worker metrics count what the worker of this process did (in an `api`-only
 * process they stay 0), webhook metrics what its API answered (0 in a worker-only process, which
 * serves them on `METRICS_PORT`). The store-wide gauges (by status, oldest RECEIVED) read the same
 * store from every process: aggregate them with max, not sum.
 */
export class ServiceMetrics {
  /** The registry `/metrics` renders. */
  readonly registry = new Registry();

  readonly #webhooks: Record<WebhookOutcome, { inc(value?: number): void }>;
  readonly #ingestDuration: Histogram;
  readonly #batchSize: Histogram;
  readonly #commitDuration: Histogram;
  readonly #processingDuration: Histogram;
  readonly #attempts: Counter;
  readonly #processed: Counter;
  readonly #failures: { retry: { inc(): void }; failed: { inc(): void } };
  readonly #leasesLost: Counter;
  readonly #released: Counter;
  readonly #reclaims: Counter;
  readonly #redispatched: Counter;
  readonly #sweeps: Counter;
  readonly #deadOwners: Counter;
  readonly #forwardAttempts: Record<ForwardOutcome, { inc(): void }>;
  readonly #forwardDuration: Histogram;
  readonly #reconcileRecovered: Counter;
  readonly #reconcileRuns: Counter;
  readonly #retentionDeleted: Counter;
  readonly #retentionErased: Counter;
  readonly #retentionLastRun: Gauge;

  constructor(options: ServiceMetricsOptions) {
    const registers = [this.registry];
    const { store, queue, log } = options;
    const timeoutMs = options.readingTimeoutMs ?? 2000;

    // Process metrics (resident memory, event loop delay, GC, heap) under their usual names.
    collectDefaultMetrics({ register: this.registry });

    const webhooks = new Counter({
      name: 'webhooks_received_total',
      help: 'Webhook requests by outcome: accepted (new transaction stored), duplicate (already stored), rejected (4xx other than 401), unauthorized (401), error (5xx)',
      labelNames: ['outcome'],
      registers,
    });
    this.#webhooks = outcomeChildren(webhooks, OUTCOMES);

    this.#ingestDuration = new Histogram({
      name: 'webhooks_ingest_duration_seconds',
      help: 'Time from receiving a webhook to sending its 202, commit included',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.#batchSize = new Histogram({
      name: 'webhooks_ingest_batch_size',
      help: 'Webhooks committed together in one group commit',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers,
    });
    this.#commitDuration = new Histogram({
      name: 'webhooks_ingest_commit_duration_seconds',
      help: 'Time for one group commit to become durable',
      buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.#processingDuration = new Histogram({
      name: 'webhooks_processing_duration_seconds',
      help: 'Handler run time of transactions that completed (PROCESSED)',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.#attempts = new Counter({
      name: 'webhooks_processing_attempts_total',
      help: 'Processing attempts started (successful claims, reclaims included)',
      registers,
    });
    this.#processed = new Counter({
      name: 'webhooks_processed_total',
      help: 'Transactions that reached PROCESSED',
      registers,
    });
    const failures = new Counter({
      name: 'webhooks_processing_failures_total',
      help: 'Handler failures: retry (a retry was scheduled) or failed (the transaction became FAILED)',
      labelNames: ['outcome'],
      registers,
    });
    this.#failures = { retry: failures.labels('retry'), failed: failures.labels('failed') };
    failures.labels('retry').inc(0);
    failures.labels('failed').inc(0);
    this.#leasesLost = new Counter({
      name: 'webhooks_leases_lost_total',
      help: 'Leases lost while processing (another worker took the transaction over)',
      registers,
    });
    this.#released = new Counter({
      name: 'webhooks_leases_released_total',
      help: 'Leases given back at shutdown, the attempt not counted',
      registers,
    });
    this.#reclaims = new Counter({
      name: 'webhooks_lease_reclaims_total',
      help: 'Claims that took over an expired PROCESSING lease',
      registers,
    });
    this.#redispatched = new Counter({
      name: 'webhooks_sweep_redispatched_total',
      help: 'Transactions the recovery sweep dispatched again (RECEIVED without a job, expired leases)',
      registers,
    });
    this.#sweeps = new Counter({
      name: 'webhooks_sweeps_total',
      help: 'Recovery sweeps run',
      registers,
    });
    this.#deadOwners = new Counter({
      name: 'webhooks_sweep_dead_owners_total',
      help: 'Lease owners found dead on this host, whose leases the sweep ended at once',
      registers,
    });

    const forwardAttempts = new Counter({
      name: 'webhooks_forward_attempts_total',
      help: 'Deliveries to FORWARD_URL by outcome: 2xx, retryable (408, 425, 429, 3xx, 5xx), permanent (other 4xx), timeout, network',
      labelNames: ['outcome'],
      registers,
    });
    this.#forwardAttempts = outcomeChildren(forwardAttempts, FORWARD_OUTCOMES);
    this.#forwardDuration = new Histogram({
      name: 'webhooks_forward_duration_seconds',
      help: 'Time of one delivery to FORWARD_URL, from sending until the answer (or the failure); the wait for a connection slot is not counted',
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });

    this.#reconcileRecovered = new Counter({
      name: 'webhooks_reconcile_recovered_total',
      help: "Provider events stored by reconciliation because their webhook never arrived (this process's runs)",
      labelNames: ['provider'],
      registers,
    });
    this.#reconcileRuns = new Counter({
      name: 'webhooks_reconcile_runs_total',
      help: 'Reconciliation runs recorded by this process, by outcome: completed, or failed (ended early)',
      labelNames: ['provider', 'outcome'],
      registers,
    });
    // Read from the store when scraped, so every process reports the same figures whichever worker
    // ran the provider's latest run. Only providers with a recorded run are exported.
    let statuses: Promise<ReconcileStatus[]> | undefined;
    const readStatuses = () => {
      statuses ??= withTimeout(store.reconcileStatuses(), timeoutMs, 'reconcileStatuses').finally(() => {
        statuses = undefined;
      });
      return statuses;
    };
    const reconcileGauge = (name: string, help: string, value: (status: ReconcileStatus) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['provider'],
        registers,
        async collect() {
          try {
            this.reset();
            for (const status of await readStatuses()) {
              if (status.lastRun) this.labels(status.provider).set(value(status));
            }
          } catch (error) {
            log.warn({ err: error }, 'metrics: could not read the reconciliation status');
          }
        },
      });
    reconcileGauge(
      'webhooks_reconcile_mismatches',
      "Payments whose state at the provider differs from the state derived from the stored events, as the provider's last complete reconciliation found them",
      (s) => s.mismatchCount,
    );
    reconcileGauge(
      'webhooks_reconcile_last_success_timestamp_seconds',
      "When the provider's last complete reconciliation run ended (unix seconds); 0 when none has completed yet",
      (s) => (s.lastSuccessAt ? s.lastSuccessAt.getTime() / 1000 : 0),
    );
    reconcileGauge(
      'webhooks_reconcile_consecutive_failures',
      "The provider's reconciliation runs that failed since its last complete one",
      (s) => s.consecutiveFailures,
    );
    this.#retentionDeleted = new Counter({
      name: 'webhooks_retention_deleted_total',
      help: 'Finished transactions (PROCESSED, FAILED) deleted by retention (RETENTION_DAYS) in this process',
      registers,
    });
    this.#retentionErased = new Counter({
      name: 'webhooks_retention_payloads_erased_total',
      help: 'Payloads of finished transactions erased by retention (PAYLOAD_RETENTION_DAYS) in this process',
      registers,
    });
    this.#retentionLastRun = new Gauge({
      name: 'webhooks_retention_last_run_timestamp_seconds',
      help: "When this process's retention last went through every expired transaction (unix seconds); 0 until it has",
      registers,
    });
    // Where the store can tell: SQLite's files, PostgreSQL's tables, MongoDB's collection.
    const storageSize = store.storageSize?.bind(store);
    if (storageSize) {
      let reading: ReturnType<typeof storageSize> | undefined;
      const readSize = () =>
        (reading ??= withTimeout(storageSize(), timeoutMs, 'store size').finally(() => {
          reading = undefined;
        }));
      new Gauge({
        name: 'webhooks_store_size_bytes',
        help: "Bytes the store's data takes: SQLite's database file with its WAL, PostgreSQL's tables with their indexes, MongoDB's collection with its indexes (read at scrape time)",
        registers,
        async collect() {
          try {
            this.set((await readSize()).bytes);
          } catch (error) {
            log.warn({ err: error }, 'metrics: could not read the store size');
          }
        },
      });
      new Gauge({
        name: 'webhooks_store_reusable_bytes',
        help: 'Of the store size, bytes freed by deletions and ready for reuse, where the store reports it (SQLite free pages, MongoDB free storage)',
        registers,
        async collect() {
          try {
            const reusable = (await readSize()).reusableBytes;
            if (reusable !== null) this.set(reusable);
          } catch {
            // Logged by the size gauge, which reads the same figures.
          }
        },
      });
    }

    // The SQL stores count the open statuses through an index and PROCESSED from a kept count, so
    // a count grows with the backlog only; MongoDB's still grows with the table. Scrapes that
    // overlap share one count, and a count that took over 10 ms is reused for 100 times as long:
    // scraping then costs at most 1% of the loop, however large the table or the backlog grows.
    let counting: Promise<Record<TransactionStatus, number>> | undefined;
    let lastCount: { value: Record<TransactionStatus, number>; reuseUntil: number } | undefined;
    const countByStatus = async (): Promise<Record<TransactionStatus, number>> => {
      if (lastCount && Date.now() < lastCount.reuseUntil) return lastCount.value;
      counting ??= (async () => {
        const started = performance.now();
        try {
          const value = await withTimeout(store.countByStatus(), timeoutMs, 'countByStatus');
          const tookMs = performance.now() - started;
          lastCount = tookMs > 10 ? { value, reuseUntil: Date.now() + tookMs * 100 } : undefined;
          return value;
        } finally {
          counting = undefined;
        }
      })();
      return counting;
    };
    new Gauge({
      name: 'webhooks_transactions',
      help: 'Transactions in the store by status (read at scrape time; reused briefly when counting is slow)',
      labelNames: ['status'],
      registers,
      async collect() {
        try {
          const value = await countByStatus();
          for (const status of TRANSACTION_STATUSES) this.labels(status).set(value[status] ?? 0);
        } catch (error) {
          log.warn({ err: error }, 'metrics: could not count transactions by status');
        }
      },
    });
    new Gauge({
      name: 'webhooks_oldest_received_wait_seconds',
      help: 'How long the RECEIVED transaction that has waited longest for a worker has been due, in seconds (retry backoff still running does not count); 0 when none waits. Read at scrape time through the recovery sweep index',
      registers,
      async collect() {
        try {
          const now = new Date();
          const due = await withTimeout(store.oldestDueReceivedAt(now), timeoutMs, 'oldest RECEIVED');
          this.set(due === null ? 0 : Math.max(0, (now.getTime() - due.getTime()) / 1000));
        } catch (error) {
          log.warn({ err: error }, 'metrics: could not read the oldest RECEIVED transaction');
        }
      },
    });
    new Gauge({
      name: 'webhooks_queue_depth',
      help: 'Jobs waiting or delayed in the queue (read at scrape time)',
      registers,
      async collect() {
        try {
          this.set(await withTimeout(queue.depth(), timeoutMs, 'queue depth'));
        } catch (error) {
          log.warn({ err: error }, 'metrics: could not read the queue depth');
        }
      },
    });
  }

  /** Counts one webhook answer that is not a 202 (those are counted per batch), and times 202s. */
  observeWebhook(statusCode: number, elapsedMs: number): void {
    if (statusCode === 202) {
      this.#ingestDuration.observe(seconds(elapsedMs));
      return;
    }
    if (statusCode === 401) this.#webhooks.unauthorized.inc();
    else if (statusCode >= 500) this.#webhooks.error.inc();
    else if (statusCode >= 400) this.#webhooks.rejected.inc();
  }

  /** Feeds accepted and duplicate counts and the group-commit histograms; pass as `onBatch`. */
  readonly onIngestBatch = (batch: IngestBatch): void => {
    this.#commitDuration.observe(seconds(batch.commitMs));
    this.#batchSize.observe(batch.size);
    if (batch.failed) return;
    if (batch.inserted > 0) this.#webhooks.accepted.inc(batch.inserted);
    if (batch.size > batch.inserted) this.#webhooks.duplicate.inc(batch.size - batch.inserted);
  };

  /** Counts one delivery to `FORWARD_URL` and times it; pass as the forwarding handler's `onAttempt`. */
  readonly observeForward = (outcome: ForwardOutcome, durationMs: number): void => {
    this.#forwardAttempts[outcome].inc();
    this.#forwardDuration.observe(seconds(durationMs));
  };

  /** Counts one recorded reconciliation run and the events it recovered; pass as the reconciler's `onRun`. */
  readonly observeReconcileRun = (run: ReconcileRun): void => {
    this.#reconcileRuns.labels(run.provider, run.error === null ? 'completed' : 'failed').inc();
    if (run.recovered > 0) this.#reconcileRecovered.labels(run.provider).inc(run.recovered);
  };

  /** Feeds the retention metrics; pass as the retention sweep's `onEvent`. */
  readonly observeRetention = (event: RetentionEvent): void => {
    switch (event.type) {
      case 'deleted':
        this.#retentionDeleted.inc(event.count);
        return;
      case 'erased':
        this.#retentionErased.inc(event.count);
        return;
      case 'run-finished':
        this.#retentionLastRun.set(event.at.getTime() / 1000);
        return;
    }
  };

  /** Feeds the processing metrics; pass as the runtime's `onWorkerEvent`. */
  readonly onWorkerEvent = (event: WorkerEvent): void => {
    switch (event.type) {
      case 'claimed':
        this.#attempts.inc();
        if (event.reclaimed) this.#reclaims.inc();
        return;
      case 'completed':
        this.#processed.inc();
        this.#processingDuration.observe(seconds(event.durationMs));
        return;
      case 'retry-scheduled':
        this.#failures.retry.inc();
        return;
      case 'failed':
        this.#failures.failed.inc();
        return;
      case 'lease-lost':
        this.#leasesLost.inc();
        return;
      case 'released':
        this.#released.inc();
        return;
      case 'swept':
        this.#sweeps.inc();
        if (event.redispatched > 0) this.#redispatched.inc(event.redispatched);
        if (event.expiredOwners > 0) this.#deadOwners.inc(event.expiredOwners);
        return;
    }
  };
}
