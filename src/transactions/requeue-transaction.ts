import type { TransactionRecord } from '../domain/transaction.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { TransactionStore } from '../store/transaction-store.js';

/** What a requeue did. */
export type RequeueResult =
  | { outcome: 'requeued'; record: TransactionRecord }
  | { outcome: 'not-found' }
  | { outcome: 'not-failed'; record: TransactionRecord };

/**
 * Puts a FAILED transaction back to RECEIVED with its attempts reset, and rings the queue. Used by
 * `POST /v1/transactions/{id}/retry` and `npm run requeue -- <id>`. If the enqueue fails, the
 * recovery sweep dispatches the row later.
 */
export async function requeueTransaction(
  store: TransactionStore,
  queue: JobQueue,
  transactionId: string,
): Promise<RequeueResult> {
  const record = await store.requeue(transactionId);
  if (!record) {
    const existing = await store.get(transactionId);
    return existing ? { outcome: 'not-failed', record: existing } : { outcome: 'not-found' };
  }
  await queue.enqueue([{ transactionId, attempt: record.attempts }]).catch(() => undefined);
  return { outcome: 'requeued', record };
}
