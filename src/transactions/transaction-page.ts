import type { KeysetPosition, TransactionFilter, TransactionSummary } from '../domain/transaction-query.js';
import type { TransactionStore } from '../store/transaction-store.js';
import { encodeCursor } from './list-cursor.js';

/** Page size when none is asked for. */
export const DEFAULT_PAGE_SIZE = 50;
/** The largest page one request may ask for. */
export const MAX_PAGE_SIZE = 500;

/** One page of the list and where the next one starts. */
export interface TransactionPage {
  items: TransactionSummary[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/**
 * One page of transactions matching `filter`, newest first, after `after`. One row more than asked
 * is read, so the last page says so (null cursor) instead of leading to an empty one.
 */
export async function listTransactionPage(
  store: TransactionStore,
  filter: TransactionFilter,
  after: KeysetPosition | undefined,
  limit: number,
): Promise<TransactionPage> {
  const rows = await store.list({ filter, after, limit: limit + 1 });
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last, filter) : null };
}
