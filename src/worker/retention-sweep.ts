import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import type { TransactionStore } from '../store/transaction-store.js';

/** Most rows retention touches in one statement or transaction. */
export const MAX_RETENTION_BATCH = 1000;

/**
 * The longest a provider goes on retrying a delivery: Stripe, for up to 3 days (Razorpay, 24 hours).
 * A transaction deleted sooner than this is stored and processed again if a late retry of it comes.
 */
export const LONGEST_PROVIDER_RETRY_MS = 3 * 86_400_000;

/**
 * The shortest pause after a full batch. Deleting old rows dirties pages all over the file (every
 * index holds them), and on SQLite a backlog deleted back to back outgrew the background checkpoint
 * until a commit on the event loop had to copy the rest: 100-row batches every 7 ms stalled the loop
 * for up to 50 ms (1,000,000 expired rows, by hand), against 22 ms with this pause, at 1,700 rows
 * a second; PostgreSQL's 1,000-row batches still delete over 10,000 a second.
 */
export const MIN_BATCH_PAUSE_MS = 50;

/** What retention reports as it goes; metrics subscribe through {@link RetentionSweepOptions.onEvent}. */
export type RetentionEvent =
  /** One batch deleted `count` finished transactions. */
  | { type: 'deleted'; count: number }
  /** One batch erased `count` payloads. */
  | { type: 'erased'; count: number }
  /** A run went through every expired row it found (totals of the run). */
  | { type: 'run-finished'; deleted: number; erased: number; at: Date };

/** What one retention run did. */
export interface RetentionTotals {
  /** Finished transactions deleted. */
  deleted: number;
  /** Payloads erased. */
  erased: number;
}

/** Options of {@link RetentionSweep}. */
export interface RetentionSweepOptions {
  store: TransactionStore;
  log: Logger;
  /** A finished transaction is deleted this long after its last change; null keeps it. */
  recordMs: number | null;
  /** A finished transaction's payload is erased this long after its last change; null keeps it with its record. */
  payloadMs: number | null;
  /** Time from the end of one run to the start of the next. */
  intervalMs: number;
  /**
   * Rows per statement or transaction; default the store's {@link TransactionStore.retentionBatchSize},
   * else {@link MAX_RETENTION_BATCH}, and never more than that.
   */
  batchSize?: number;
  /** Receives progress (per batch) and the end of each run. Must not throw and must return quickly. */
  onEvent?: (event: RetentionEvent) => void;
  /** The clock ages are measured against, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/**
 * Keeps the store bounded: every interval, deletes the finished transactions (PROCESSED, FAILED)
 * whose last change is older than the record retention, then erases the payloads of those older
 * than the payload retention. RECEIVED and PROCESSING transactions are never touched: the store's
 * statements carry that condition themselves (see {@link TransactionStore.deleteFinished}).
 *
 * Work is done in batches of at most {@link MAX_RETENTION_BATCH} rows, each one short statement or
 * transaction, and after a full batch the sweep waits as long as the batch took (at least
 * {@link MIN_BATCH_PAUSE_MS}): a backlog (a first
 * run on a store that kept everything for months) drains at most at half the store's time, and on
 * SQLite, whose statements run on the event loop, webhooks keep being answered in between.
 *
 * Safe to run in every worker process at once: each batch takes rows no other batch holds (or, on
 * SQLite, one writer at a time), so nothing is counted or deleted twice.
 */
export class RetentionSweep {
  readonly #options: RetentionSweepOptions;
  readonly #batchSize: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<RetentionTotals> | undefined;
  #stopped = false;

  constructor(options: RetentionSweepOptions) {
    this.#options = options;
    this.#batchSize = Math.min(
      options.batchSize ?? options.store.retentionBatchSize ?? MAX_RETENTION_BATCH,
      MAX_RETENTION_BATCH,
    );
  }

  /** Whether this sweep has anything to do: false when both retentions keep everything. */
  get enabled(): boolean {
    return this.#options.recordMs !== null || this.#erasesPayloads();
  }

  /**
   * Starts a run now, in the background (a first run may have a long backlog; the process does not
   * wait for it to start serving), and another one `intervalMs` after each run ends.
   */
  start(): void {
    if (!this.enabled || this.#stopped) return;
    this.#runThenSchedule();
  }

  /** Stops the timer and waits for a run in progress to finish its current batch. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  /**
   * One run: every expired row at the time it starts (rows that expire meanwhile wait for the next
   * run, so a run always ends). Resolves with its totals; concurrent calls share one run.
   */
  runOnce(): Promise<RetentionTotals> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  #runThenSchedule(): void {
    this.runOnce()
      .catch((error: unknown) => {
        this.#options.log.error({ err: error }, 'retention run failed; will try again');
      })
      .finally(() => {
        if (this.#stopped) return;
        this.#timer = setTimeout(() => this.#runThenSchedule(), this.#options.intervalMs);
        this.#timer.unref();
      });
  }

  /** Payloads are erased on their own only when that happens before their records are deleted. */
  #erasesPayloads(): boolean {
    const { recordMs, payloadMs } = this.#options;
    return payloadMs !== null && (recordMs === null || payloadMs < recordMs);
  }

  async #run(): Promise<RetentionTotals> {
    const { store, log, recordMs, payloadMs, onEvent } = this.#options;
    const started = (this.#options.now ?? Date.now)();
    let deleted = 0;
    let erased = 0;
    // Deletion first, so no payload is erased just before its record goes.
    if (recordMs !== null) {
      const before = new Date(started - recordMs);
      deleted = await this.#batches((limit) => store.deleteFinished(before, limit), 'deleted');
    }
    if (payloadMs !== null && this.#erasesPayloads()) {
      const before = new Date(started - payloadMs);
      erased = await this.#batches((limit) => store.erasePayloads(before, limit), 'erased');
    }
    const at = new Date();
    if (deleted > 0 || erased > 0) log.info({ deleted, erased }, 'retention run');
    onEvent?.({ type: 'run-finished', deleted, erased, at });
    return { deleted, erased };
  }

  /** Runs `batch` until it finds less than a full batch (or the sweep stops); returns the total. */
  async #batches(batch: (limit: number) => Promise<number>, type: 'deleted' | 'erased'): Promise<number> {
    let total = 0;
    while (!this.#stopped) {
      const started = performance.now();
      const count = await batch(this.#batchSize);
      total += count;
      if (count > 0) this.#options.onEvent?.({ type, count });
      if (count < this.#batchSize) break;
      // As long as the batch took, and at least MIN_BATCH_PAUSE_MS: a backlog gets at most half of
      // the store's time, and its background work (checkpoints, vacuum) time to keep up.
      await sleep(Math.max(performance.now() - started, MIN_BATCH_PAUSE_MS));
    }
    return total;
  }
}
