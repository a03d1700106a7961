import type { Provider } from './provider-event.js';
import type { ReceivedVia, TransactionRecord, TransactionStatus } from './transaction.js';

/**
 * Which transactions an operator means: every field narrows the set, an absent field does not. One
 * type for the list, the dry-run count and the bulk retry, validated once where it enters (the
 * HTTP schema, the command line's parser), so every store receives only checked values.
 */
export interface TransactionFilter {
  status?: TransactionStatus;
  provider?: Provider;
  /** The event type exactly as the provider names it (`payment.captured`). */
  eventType?: string;
  /** The payment the events are about (`pay_…`, `pi_…`). */
  paymentId?: string;
  /** Created at or after this instant (inclusive). */
  createdAfter?: Date;
  /** Created before this instant (exclusive), so consecutive windows never count a row twice. */
  createdBefore?: Date;
  /** Only events that arrived this way (`reconciliation`: recovered from the provider's API). */
  receivedVia?: ReceivedVia;
}

/** The filter fields in a fixed order, for building queries and fingerprints the same way everywhere. */
export const FILTER_FIELDS = [
  'status',
  'provider',
  'eventType',
  'paymentId',
  'createdAfter',
  'createdBefore',
  'receivedVia',
] as const satisfies readonly (keyof TransactionFilter)[];

/**
 * Where a page of the list starts: just after the row with this creation time and id, in the list's
 * order (newest first, ties broken by the higher `transaction_id`, compared byte by byte). A new
 * webhook is created later than every row already listed, so it never shifts a later page.
 */
export interface KeysetPosition {
  createdAt: Date;
  transactionId: string;
}

/** One page of the list, as asked of a store. */
export interface TransactionListQuery {
  filter: TransactionFilter;
  /** Start after this row; absent for the first page. */
  after?: KeysetPosition;
  /** At most this many rows (a caller wanting to know whether more exist asks for one extra). */
  limit: number;
}

/** A transaction as the list shows it: everything but the raw payload, which stays out of pages. */
export type TransactionSummary = Omit<TransactionRecord, 'payload'>;

/**
 * Which FAILED transactions a bulk retry means: the list's filter (its status, if any, is FAILED by
 * construction), or named ids. Either way only rows that are FAILED are ever touched.
 */
export type RetrySelection =
  | { kind: 'filter'; filter: Omit<TransactionFilter, 'status'> }
  | { kind: 'ids'; ids: readonly string[] };

/** Counts in the statuses that change; PROCESSED only grows, so it is counted apart. */
export type OpenStatus = Exclude<TransactionStatus, 'PROCESSED'>;

/** The statuses counted per provider: what is waiting, running or failed. */
export const OPEN_STATUSES = ['RECEIVED', 'PROCESSING', 'FAILED'] as const satisfies readonly OpenStatus[];

/** What an operator watches, as one store snapshot. */
export interface TransactionStats {
  /** Exact counts of every status. */
  byStatus: Record<TransactionStatus, number>;
  /** When the oldest RECEIVED transaction (waiting, or in retry backoff) was created; null when none. */
  oldestReceivedAt: Date | null;
  /** FAILED transactions whose last attempt failed at or after the instant asked about. */
  recentFailures: number;
  /**
   * RECEIVED, PROCESSING and FAILED counts per provider that has such rows (the original
   * contract's rows are in none); the views add the registered providers that have none.
   */
  byProvider: Record<Provider, Record<OpenStatus, number>>;
}

/** The row-order comparison of the list: negative when `a` comes before `b` (newer, or same time and higher id). */
export function compareListOrder(a: KeysetPosition, b: KeysetPosition): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return compareBytes(b.transactionId, a.transactionId);
}

/** Compares two strings by their UTF-8 bytes, as SQLite, MongoDB and PostgreSQL's "C" collation do. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
