import type { Logger } from '../logger.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { TransactionStore } from '../store/transaction-store.js';
import { isKnownDead } from './lease-owner.js';
import type { WorkerEventListener } from './worker-events.js';

/** Options of {@link RecoverySweep}. */
export interface RecoverySweepOptions {
  store: TransactionStore;
  queue: JobQueue;
  log: Logger;
  /** Time between sweeps. */
  intervalMs: number;
  /** A RECEIVED row is re-dispatched once it has been available this long without being claimed. */
  receivedStaleMs: number;
  /** At most this many transactions re-dispatched per sweep. */
  batchSize?: number;
  onEvent?: WorkerEventListener;
}

/**
 * Makes the store, not the queue, the source of truth. Every interval it re-dispatches RECEIVED
 * rows that no job picked up in time (the API died between commit and enqueue, or Redis lost its
 * data) and PROCESSING rows whose lease expired (their worker died or stalled). It first ends the
 * leases of owners known dead on this host, so a restarted process resumes its work at once.
 *
 * Safe to run in every worker at once: dispatching twice is harmless, because jobs dedupe on
 * (transaction, attempt) and only one worker can claim a transaction.
 */
export class RecoverySweep {
  readonly #options: RecoverySweepOptions;
  #timer: NodeJS.Timeout | undefined;
  /** The run in progress and its RECEIVED threshold. */
  #running: { done: Promise<number>; receivedStaleMs: number } | undefined;
  #stopped = false;

  constructor(options: RecoverySweepOptions) {
    this.#options = options;
  }

  /** Sweeps once now (treating RECEIVED rows as stale after `initialReceivedStaleMs`), then every interval. */
  async start(initialReceivedStaleMs = this.#options.receivedStaleMs): Promise<void> {
    await this.sweep(initialReceivedStaleMs);
    this.#schedule();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running?.done.catch(() => undefined);
  }

  /**
   * One sweep; resolves with how many transactions it re-dispatched (0, doing nothing, once
   * stopped). Concurrent calls share one run, unless the run in progress treats RECEIVED rows as
   * stale later than this call asks: it would miss rows the caller wants, so this call sweeps
   * again once it is over.
   */
  sweep(receivedStaleMs = this.#options.receivedStaleMs): Promise<number> {
    // After stop() the store and queue are about to close; a late caller (a queue announcing room
    // while the worker finishes its last jobs) must not start a run against them.
    if (this.#stopped) return Promise.resolve(0);
    const running = this.#running;
    if (running && receivedStaleMs < running.receivedStaleMs) {
      return running.done.catch(() => 0).then(() => this.sweep(receivedStaleMs));
    }
    if (running) return running.done;
    const done = this.#sweep(receivedStaleMs).finally(() => {
      this.#running = undefined;
    });
    this.#running = { done, receivedStaleMs };
    return done;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(async () => {
      try {
        await this.sweep();
      } catch (error) {
        this.#options.log.error({ err: error }, 'recovery sweep failed; will try again');
      }
      this.#schedule();
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  async #sweep(receivedStaleMs: number): Promise<number> {
    const { store, queue, log } = this.#options;
    let expiredOwners = 0;
    for (const owner of await store.leaseOwners()) {
      if (!isKnownDead(owner)) continue;
      const expired = await store.expireLeases(owner);
      expiredOwners++;
      log.warn({ owner, leases: expired }, 'ended the leases of a dead worker');
    }
    const now = Date.now();
    const due = await store.findDue({
      receivedBefore: new Date(now - receivedStaleMs),
      leaseExpiredBefore: new Date(now),
      limit: this.#options.batchSize ?? 10_000,
    });
    if (due.length > 0) {
      await queue.enqueue(due.map((d) => ({ transactionId: d.transactionId, attempt: d.attempts })));
      // With a zero threshold the sweep is how a lone worker polls for new work: not news.
      const level = receivedStaleMs > 0 ? 'info' : 'debug';
      log[level]({ redispatched: due.length }, 'recovery sweep re-dispatched transactions');
    }
    this.#options.onEvent?.({ type: 'swept', redispatched: due.length, expiredOwners });
    return due.length;
  }
}
