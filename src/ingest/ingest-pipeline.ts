import type { NewTransaction } from '../domain/transaction.js';
import type { Logger } from '../logger.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { InsertOutcome, TransactionStore } from '../store/transaction-store.js';

/** Options of {@link IngestPipeline}. */
export interface IngestPipelineOptions {
  store: TransactionStore;
  queue: JobQueue;
  log: Logger;
  /** Largest batch committed at once. Default 512. */
  maxBatch?: number;
}

interface Pending {
  item: NewTransaction;
  resolve: (outcome: InsertOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * The write path of the webhook endpoint, with group commit: webhooks that arrive while a commit
 * is in progress are committed together in the next one (one transaction, one disk sync), then
 * their jobs are enqueued in one bulk call. Each caller's promise resolves only after its row is
 * committed, so a 202 is never sent for a webhook that is not durably stored.
 *
 * Enqueue failures do not fail the webhook: the row is committed, and the recovery sweep
 * dispatches RECEIVED rows that no job covers.
 */
export class IngestPipeline {
  readonly #options: IngestPipelineOptions;
  #waiting: Pending[] = [];
  #flushing = false;
  #scheduled = false;

  constructor(options: IngestPipelineOptions) {
    this.#options = options;
  }

  /** Stores `item` unless its id exists, enqueues it if new; resolves after the commit. */
  accept(item: NewTransaction): Promise<InsertOutcome> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (!this.#flushing && !this.#scheduled) {
        this.#scheduled = true;
        // Let the requests already read from sockets in this turn join the batch.
        setImmediate(() => {
          this.#scheduled = false;
          void this.#flush();
        });
      }
    });
  }

  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    const { store, queue, log } = this.#options;
    const maxBatch = this.#options.maxBatch ?? 512;
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.length <= maxBatch ? this.#waiting : this.#waiting.slice(0, maxBatch);
        this.#waiting = this.#waiting.length <= maxBatch ? [] : this.#waiting.slice(maxBatch);
        let outcomes: InsertOutcome[];
        try {
          outcomes = await store.insertMany(batch.map((p) => p.item));
        } catch (error) {
          for (const p of batch) p.reject(error);
          continue;
        }
        const fresh = outcomes.filter((o) => o.inserted);
        if (fresh.length > 0) {
          try {
            await queue.enqueue(fresh.map((o) => ({ transactionId: o.record.transactionId, attempt: 0 })));
          } catch (error) {
            log.error(
              { err: error, count: fresh.length },
              'enqueue failed; the recovery sweep will dispatch',
            );
          }
        }
        for (const [i, p] of batch.entries()) p.resolve(outcomes[i]!);
      }
    } finally {
      this.#flushing = false;
    }
  }
}
