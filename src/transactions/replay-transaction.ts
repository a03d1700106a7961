import { isReplayable } from '../domain/replay.js';
import type { TransactionRecord } from '../domain/transaction.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { TransactionStore } from '../store/transaction-store.js';

/** What a replay did. */
export type ReplayResult =
  | { outcome: 'replayed'; record: TransactionRecord }
  | { outcome: 'not-found' }
  | { outcome: 'not-replayable'; record: TransactionRecord };

/**
 * Sends a PROCESSED or FAILED transaction through the handler again: back to RECEIVED with its
 * retry budget afresh (see `TransactionStore.replay`), and rings the queue. Used by
 * `POST /v1/transactions/{id}/replay` and the command line. A transaction RECEIVED or PROCESSING is
 * on its way already and is left alone. If the enqueue fails, the recovery sweep dispatches the row
 * later.
 */
export async function replayTransaction(
  store: TransactionStore,
  queue: JobQueue,
  transactionId: string,
): Promise<ReplayResult> {
  const record = await store.replay(transactionId);
  if (!record) {
    const existing = await store.get(transactionId);
    if (!existing) return { outcome: 'not-found' };
    // Finished again between the two reads is possible but rare: the caller may simply ask again.
    return { outcome: 'not-replayable', record: existing };
  }
  await queue.enqueue([{ transactionId, attempt: record.attempts }]).catch(() => undefined);
  return { outcome: 'replayed', record };
}

/** Why a transaction in this status cannot be replayed now, for a 409 or the command line. */
export function notReplayableReason(record: TransactionRecord): string {
  return isReplayable(record.status)
    ? `This transaction changed while it was being replayed (now ${record.status}); try again`
    : `Only PROCESSED or FAILED transactions can be replayed; this one is ${record.status}`;
}
