import type { Provider } from '../domain/provider-event.js';
import type { TransactionStatus } from '../domain/transaction.js';
import { OPEN_STATUSES, type OpenStatus, type TransactionStats } from '../domain/transaction-query.js';

/** How far back {@link StatsView.failed_last_hour} looks. */
export const RECENT_FAILURES_MS = 3_600_000;

/** The public JSON view of the operator's figures. */
export interface StatsView {
  by_status: Record<TransactionStatus, number>;
  total: number;
  oldest_received_at: string | null;
  oldest_received_age_seconds: number | null;
  failed_last_hour: number;
  by_provider: Record<Provider, Record<OpenStatus, number>>;
  as_of: string;
}

/**
 * The figures as the API and the command line show them, ages measured from `now`. `by_provider`
 * has a row for every registered provider in `providers`, in that order (zeros where the store
 * counted none), then any other provider the store still holds open rows of.
 */
export function toStatsView(stats: TransactionStats, now: Date, providers: readonly Provider[]): StatsView {
  const oldest = stats.oldestReceivedAt;
  const byProvider: Record<Provider, Record<OpenStatus, number>> = {};
  for (const provider of [...providers, ...Object.keys(stats.byProvider)]) {
    byProvider[provider] ??= Object.fromEntries(
      OPEN_STATUSES.map((s) => [s, stats.byProvider[provider]?.[s] ?? 0]),
    ) as Record<OpenStatus, number>;
  }
  return {
    by_status: stats.byStatus,
    total: Object.values(stats.byStatus).reduce((a, b) => a + b, 0),
    oldest_received_at: oldest ? oldest.toISOString() : null,
    oldest_received_age_seconds: oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : null,
    failed_last_hour: stats.recentFailures,
    by_provider: byProvider,
    as_of: now.toISOString(),
  };
}
