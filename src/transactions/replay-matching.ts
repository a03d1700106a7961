import type { ReplaySelection } from '../domain/replay.js';
import type { KeysetPosition } from '../domain/transaction-query.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { TransactionStore } from '../store/transaction-store.js';

/** Transactions looked at per statement: each batch is one short write, whatever the total. */
export const REPLAY_BATCH_SIZE = 500;

/**
 * Replays every PROCESSED or FAILED transaction of `selection` (see `TransactionStore.replay`), in
 * batches of {@link REPLAY_BATCH_SIZE} taken in the list's order, ringing the queue for each batch
 * (if an enqueue fails the recovery sweep dispatches the rows later). Only the ids of one batch are
 * ever held, however many match. Each batch starts after the last row of the one before, and only
 * transactions that finished before the call began are taken, so the loop ends even while replayed
 * ones finish again. Safe to repeat: a transaction replayed by an earlier call and still on its way
 * (RECEIVED, PROCESSING) is left alone. Returns how many it replayed.
 */
export async function replayMatching(
  store: TransactionStore,
  queue: JobQueue,
  selection: ReplaySelection,
  batchSize = REPLAY_BATCH_SIZE,
): Promise<number> {
  const finishedBefore = new Date();
  let replayed = 0;
  let after: KeysetPosition | undefined;
  for (;;) {
    const batch = await store.replayMatching(selection, { finishedBefore, after, limit: batchSize });
    if (batch.replayed.length > 0) {
      replayed += batch.replayed.length;
      await queue
        .enqueue(batch.replayed.map((row) => ({ transactionId: row.transactionId, attempt: row.attempts })))
        .catch(() => undefined);
    }
    if (!batch.next) return replayed;
    after = batch.next;
  }
}
