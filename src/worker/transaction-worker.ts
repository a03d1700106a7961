import type { TransactionRecord } from '../domain/transaction.js';
import { type AttemptResponse, attemptResponseOf, NO_RESPONSE } from '../domain/transaction-attempt.js';
import { PermanentError, type ProcessTransaction, RetryableError } from '../handler/process-transaction.js';
import { webhookEventOf } from '../handler/webhook-event.js';
import type { Logger } from '../logger.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { TransactionStore } from '../store/transaction-store.js';
import { newLeaseOwner, retireLeaseOwner } from './lease-owner.js';
import { retryDelayAfterMs, retryDelayMs } from './retry-backoff.js';
import type { WorkerEventListener } from './worker-events.js';

/** Options of {@link TransactionWorker}. */
export interface TransactionWorkerOptions {
  store: TransactionStore;
  queue: JobQueue;
  handler: ProcessTransaction;
  log: Logger;
  /** Jobs processed at once by this worker. */
  concurrency: number;
  /** Passed to the handler as `processDelayMs`. */
  processDelayMs: number;
  /** Attempts before a transaction becomes FAILED. */
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Lease length; renewed every third of it while the handler runs. */
  leaseMs: number;
  onEvent?: WorkerEventListener;
  /** Passed to the queue as `ConsumeOptions.onRoom`: look in the store for work the queue refused. */
  onQueueRoom?: () => void;
}

class ShutdownAbort extends Error {
  override readonly name = 'ShutdownAbort';
}
class LeaseLost extends Error {
  override readonly name = 'LeaseLost';
}

const describe = (error: unknown) =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2000);

/**
 * Runs the processing handler for queued transactions. Each job: claim the transaction as a lease
 * (conditional on RECEIVED or an expired lease), run the handler while renewing the lease, then
 * record the outcome conditional on still holding the lease: PROCESSED, a retry with backoff, or
 * FAILED once `maxAttempts` is reached. A job for a transaction it cannot claim is a no-op, so
 * duplicate or stale jobs are harmless.
 *
 * The store keeps each claim as an attempt of the transaction's history and closes it with the
 * outcome; what the handler reports of the downstream's answer (its resolved value, or the `report`
 * of the error it threw) goes with it.
 */
export class TransactionWorker {
  /** This worker's lease owner id. */
  readonly owner = newLeaseOwner();
  readonly #options: TransactionWorkerOptions;
  /** Leases held now, with the controller that aborts their handler. */
  readonly #held = new Map<string, AbortController>();
  #renewTimer: NodeJS.Timeout | undefined;
  #stopping = false;

  constructor(options: TransactionWorkerOptions) {
    this.#options = options;
  }

  /** Transactions whose handler is running in this worker now. */
  get inFlight(): number {
    return this.#held.size;
  }

  /** Starts consuming the queue. */
  start(): void {
    const { queue, concurrency, leaseMs } = this.#options;
    queue.consume((id) => this.process(id), { concurrency, onRoom: this.#options.onQueueRoom });
    this.#renewTimer = setInterval(() => void this.#renewLeases(), Math.max(leaseMs / 3, 10));
    this.#renewTimer.unref();
  }

  /**
   * Stops taking jobs and waits for running handlers up to `graceMs`; then aborts the rest, whose
   * leases are released (back to RECEIVED, the attempt not counted against `maxAttempts` and
   * recorded as interrupted) for another worker to take.
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    const deadline = setTimeout(() => {
      for (const controller of this.#held.values())
        controller.abort(new ShutdownAbort('worker shutting down'));
    }, graceMs);
    try {
      await this.#options.queue.stopConsuming();
    } finally {
      clearTimeout(deadline);
      clearInterval(this.#renewTimer);
      retireLeaseOwner(this.owner);
    }
  }

  /** Processes one job for `transactionId`. Never throws. */
  async process(transactionId: string): Promise<void> {
    const { store, log } = this.#options;
    if (this.#stopping) return;
    let claim: Awaited<ReturnType<TransactionStore['claim']>>;
    try {
      claim = await store.claim(transactionId, this.owner, this.#options.leaseMs);
    } catch (error) {
      // The store is unreachable: the row keeps its state and the recovery sweep dispatches it again.
      log.error({ err: error, transactionId }, 'claim failed');
      return;
    }
    if (!claim) return;
    const { record, reclaimed } = claim;
    this.#options.onEvent?.({ type: 'claimed', transactionId, attempt: record.attempts, reclaimed });
    if (reclaimed) log.warn({ transactionId, attempt: record.attempts }, 'reclaimed an expired lease');
    if (record.attempts > this.#options.maxAttempts) {
      // Only reachable through reclaims: the handler kept dying with its worker, never reporting.
      const error = `gave up after ${this.#options.maxAttempts} attempts; last: ${record.lastError ?? 'lease expired while processing'}`;
      await this.#finish(record, 'fail', error);
      return;
    }
    await this.#run(record);
  }

  async #run(record: TransactionRecord): Promise<void> {
    const { handler, log: baseLog, processDelayMs } = this.#options;
    let reported: unknown;
    const transactionId = record.transactionId;
    const log = baseLog.child({
      transactionId,
      reqId: record.requestId ?? undefined,
      attempt: record.attempts,
    });
    const controller = new AbortController();
    this.#held.set(transactionId, controller);
    const started = performance.now();
    let failure: unknown;
    let ok = false;
    try {
      reported = await handler(record, {
        signal: controller.signal,
        log,
        attempt: record.attempts,
        processDelayMs,
        event: webhookEventOf(record),
      });
      ok = true;
    } catch (error) {
      failure = error;
    } finally {
      this.#held.delete(transactionId);
    }
    const reason = controller.signal.aborted ? controller.signal.reason : undefined;
    if (reason instanceof LeaseLost) {
      log.warn('lease lost while processing; another worker owns the transaction now');
      return;
    }
    if (reason instanceof ShutdownAbort) {
      if (await this.#write(() => this.#options.store.release(transactionId, this.owner), log)) {
        this.#options.onEvent?.({ type: 'released', transactionId });
      }
      return;
    }
    if (ok) {
      const durationMs = performance.now() - started;
      const response = attemptResponseOf(reported);
      if (await this.#write(() => this.#options.store.complete(transactionId, this.owner, response), log)) {
        this.#options.onEvent?.({ type: 'completed', transactionId, attempt: record.attempts, durationMs });
        log.debug({ durationMs }, 'processed');
      } else {
        this.#leaseLost(transactionId, log);
      }
      return;
    }
    const error = describe(failure);
    // Any error may carry a report, not only the two classes of the handler contract.
    const response = attemptResponseOf(
      typeof failure === 'object' && failure !== null ? (failure as { report?: unknown }).report : undefined,
    );
    const permanent = failure instanceof PermanentError;
    if (permanent || record.attempts >= this.#options.maxAttempts) {
      await this.#finish(record, 'fail', error, undefined, response);
      return;
    }
    const retryAfterMs = failure instanceof RetryableError ? failure.retryAfterMs : undefined;
    await this.#finish(record, 'retry', error, retryAfterMs, response);
  }

  async #finish(
    record: TransactionRecord,
    outcome: 'fail' | 'retry',
    error: string,
    retryAfterMs?: number,
    response: AttemptResponse = NO_RESPONSE,
  ): Promise<void> {
    const { store, queue, log: baseLog, retryBaseMs, retryMaxMs } = this.#options;
    const transactionId = record.transactionId;
    const log = baseLog.child({
      transactionId,
      reqId: record.requestId ?? undefined,
      attempt: record.attempts,
    });
    if (outcome === 'fail') {
      if (await this.#write(() => store.fail(transactionId, this.owner, error, response), log)) {
        this.#options.onEvent?.({ type: 'failed', transactionId, attempt: record.attempts, error });
        log.error({ error }, 'transaction FAILED');
      } else {
        this.#leaseLost(transactionId, log);
      }
      return;
    }
    const delayMs = retryDelayAfterMs(
      retryDelayMs(record.attempts, retryBaseMs, retryMaxMs),
      retryAfterMs,
      retryMaxMs,
    );
    const availableAt = new Date(Date.now() + delayMs);
    if (
      !(await this.#write(
        () => store.retryLater(transactionId, this.owner, error, availableAt, response),
        log,
      ))
    ) {
      this.#leaseLost(transactionId, log);
      return;
    }
    this.#options.onEvent?.({
      type: 'retry-scheduled',
      transactionId,
      attempt: record.attempts,
      delayMs,
      error,
    });
    log.warn({ error, delayMs }, 'handler failed; retry scheduled');
    try {
      await queue.enqueue([{ transactionId, attempt: record.attempts, delayMs }]);
    } catch (enqueueError) {
      // The row is RECEIVED with its retry time; the recovery sweep dispatches it once due.
      log.error({ err: enqueueError }, 'could not schedule the retry job; the recovery sweep will');
    }
  }

  #leaseLost(transactionId: string, log: Logger): void {
    this.#options.onEvent?.({ type: 'lease-lost', transactionId });
    log.warn('lease lost before the outcome was recorded; another worker owns the transaction now');
  }

  /**
   * Runs a lease-conditional write, retrying briefly when the store errors (a database restart),
   * because giving up would leave the lease to expire and the handler to run again.
   */
  async #write(write: () => Promise<boolean>, log: Logger): Promise<boolean> {
    const pauses = [100, 400, 1600, 3200];
    for (let i = 0; ; i++) {
      try {
        return await write();
      } catch (error) {
        if (i >= pauses.length) {
          log.error({ err: error }, 'could not record the outcome; the lease will expire and be reclaimed');
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, pauses[i]));
      }
    }
  }

  async #renewLeases(): Promise<void> {
    if (this.#held.size === 0) return;
    const ids = [...this.#held.keys()];
    let kept: string[];
    try {
      kept = await this.#options.store.renewLeases(ids, this.owner, this.#options.leaseMs);
    } catch (error) {
      this.#options.log.error({ err: error }, 'lease renewal failed; will try again');
      return;
    }
    if (kept.length === ids.length) return;
    const keptSet = new Set(kept);
    for (const id of ids) {
      if (!keptSet.has(id)) this.#held.get(id)?.abort(new LeaseLost(id));
    }
  }
}
