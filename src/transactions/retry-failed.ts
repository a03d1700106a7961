import type { RetrySelection } from '../domain/transaction-query.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { TransactionStore } from '../store/transaction-store.js';

/** FAILED transactions requeued per statement: each batch is one short write, whatever the total. */
export const RETRY_BATCH_SIZE = 500;

/**
 * Puts every FAILED transaction of `selection` back to RECEIVED, as the single-id retry does
 * (attempts reset, available now, a job enqueued; if an enqueue fails the recovery sweep dispatches
 * the row later), in batches of {@link RETRY_BATCH_SIZE} until none is left. Only transactions
 * that failed before the call began are taken, so one that fails again meanwhile is not retried
 * twice and the loop ends. Safe to repeat: a second call finds nothing left. Returns how many.
 */
export async function retryFailed(
  store: TransactionStore,
  queue: JobQueue,
  selection: RetrySelection,
  batchSize = RETRY_BATCH_SIZE,
): Promise<number> {
  const startedAt = new Date();
  let requeued = 0;
  for (;;) {
    const batch = await store.requeueFailed(selection, startedAt, batchSize);
    if (batch.length === 0) return requeued;
    requeued += batch.length;
    await queue
      .enqueue(batch.map((row) => ({ transactionId: row.transactionId, attempt: row.attempts })))
      .catch(() => undefined);
  }
}
