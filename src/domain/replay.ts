import type { TransactionStatus } from './transaction.js';
import type { TransactionFilter } from './transaction-query.js';

/**
 * The statuses a replay takes a transaction from: it has finished, well or badly. A replay moves it
 * back to RECEIVED, available at once, its retry budget (`attempts`) back to 0 and `processed_at`
 * cleared, so it runs through the handler again as if new; its attempt history goes on. RECEIVED
 * and PROCESSING transactions are on their way already and are never replayed.
 */
export const REPLAYABLE_STATUSES = ['PROCESSED', 'FAILED'] as const satisfies readonly TransactionStatus[];

/** A status a transaction can be replayed from. */
export type ReplayableStatus = (typeof REPLAYABLE_STATUSES)[number];

/** Whether a transaction in `status` can be replayed. */
export const isReplayable = (status: TransactionStatus): status is ReplayableStatus =>
  (REPLAYABLE_STATUSES as readonly string[]).includes(status);

/**
 * Which transactions a bulk replay means: the list's filter, whose status (when given) is
 * PROCESSED or FAILED (absent: both), or named ids. Either way only rows that are PROCESSED or
 * FAILED at the moment of the replay are touched.
 */
export type ReplaySelection =
  | { kind: 'filter'; filter: Omit<TransactionFilter, 'status'> & { status?: ReplayableStatus } }
  | { kind: 'ids'; ids: readonly string[] };
