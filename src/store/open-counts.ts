import type { Provider } from '../domain/provider-event.js';
import type { TransactionStatus } from '../domain/transaction.js';
import { OPEN_STATUSES, type OpenStatus, type TransactionStats } from '../domain/transaction-query.js';

/** One group of the open statuses' count, as a store reads it: status, provider (or null), count. */
export interface OpenCount {
  status: OpenStatus;
  provider: Provider | null;
  n: number | string;
}

/** Every status at 0. */
function zeroByStatus(): Record<TransactionStatus, number> {
  return { RECEIVED: 0, PROCESSING: 0, PROCESSED: 0, FAILED: 0 };
}

/** Counts per status from the open statuses' groups and the PROCESSED count. */
export function statusCounts(
  open: readonly OpenCount[],
  processed: number,
): Record<TransactionStatus, number> {
  const counts = zeroByStatus();
  // PostgreSQL's bigint counts arrive as strings.
  for (const { status, n } of open) counts[status] += Number(n);
  counts.PROCESSED = Number(processed);
  return counts;
}

/** The stats from the open statuses' groups, the PROCESSED count and the figures read beside them. */
export function statsFrom(
  open: readonly OpenCount[],
  processed: number,
  rest: Pick<TransactionStats, 'oldestReceivedAt' | 'recentFailures'>,
): TransactionStats {
  // Only the providers that have open rows: which providers exist is the registry's business, and
  // the view fills in the others.
  const byProvider = new Map<Provider, Record<OpenStatus, number>>();
  for (const { status, provider, n } of open) {
    if (provider === null) continue;
    let counts = byProvider.get(provider);
    if (!counts) {
      counts = Object.fromEntries(OPEN_STATUSES.map((s) => [s, 0])) as Record<OpenStatus, number>;
      byProvider.set(provider, counts);
    }
    counts[status] += Number(n);
  }
  return {
    byStatus: statusCounts(open, processed),
    oldestReceivedAt: rest.oldestReceivedAt,
    recentFailures: Number(rest.recentFailures),
    byProvider: Object.fromEntries(byProvider),
  };
}
