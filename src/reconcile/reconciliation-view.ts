import type { PaymentStatus } from '../domain/payment-status.js';
import type { Provider } from '../domain/provider-event.js';
import { MAX_KEPT_MISMATCHES, type PaymentMismatch, type ReconcileRun } from '../domain/reconciliation.js';
import type { TransactionStore } from '../store/transaction-store.js';

/** A run as the API shows it (snake_case, ISO 8601 UTC). */
export interface ReconcileRunView {
  provider: Provider;
  started_at: string;
  finished_at: string;
  checked: number;
  recovered: number;
  mismatches: number;
  error: string | null;
}

/** A mismatch as the API shows it. */
export interface PaymentMismatchView {
  provider: Provider;
  payment_id: string;
  provider_status: PaymentStatus | null;
  derived_status: PaymentStatus | null;
  amount: number;
  currency: string | null;
  created_at: string;
}

/** `GET /v1/reconciliation`'s answer. */
export interface ReconciliationView {
  runs: ReconcileRunView[];
  mismatches: PaymentMismatchView[];
}

export const toRunView = (run: ReconcileRun): ReconcileRunView => ({
  provider: run.provider,
  started_at: run.startedAt.toISOString(),
  finished_at: run.finishedAt.toISOString(),
  checked: run.checked,
  recovered: run.recovered,
  mismatches: run.mismatches,
  error: run.error,
});

export const toMismatchView = (m: PaymentMismatch): PaymentMismatchView => ({
  provider: m.provider,
  payment_id: m.paymentId,
  provider_status: m.providerStatus,
  derived_status: m.derivedStatus,
  amount: m.amount,
  currency: m.currency,
  created_at: m.createdAt.toISOString(),
});

/**
 * The latest run of every provider that has had one (by provider), and the mismatches of the last
 * complete runs, largest amount first, at most {@link MAX_KEPT_MISMATCHES}.
 */
export async function readReconciliation(store: TransactionStore): Promise<ReconciliationView> {
  const [statuses, mismatches] = await Promise.all([
    store.reconcileStatuses(),
    store.listMismatches(MAX_KEPT_MISMATCHES),
  ]);
  return {
    runs: statuses.flatMap((s) => (s.lastRun ? [toRunView(s.lastRun)] : [])),
    mismatches: mismatches.map(toMismatchView),
  };
}
