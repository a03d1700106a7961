import type { ReconcileConfig } from '../config.js';
import type { ReconcileRun } from '../domain/reconciliation.js';
import type { Logger } from '../logger.js';
import { RazorpayPaymentsApi } from '../providers/razorpay/razorpay-payments-api.js';
import { StripeEventsApi } from '../providers/stripe/stripe-events-api.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { TransactionStore } from '../store/transaction-store.js';
import type { StoredEventReader } from '../transactions/payment-view.js';
import { RazorpayCheck } from './razorpay-check.js';
import type { ReconcilePass } from './reconcile-pass.js';
import { Reconciler } from './reconciler.js';
import { StripeRecovery } from './stripe-recovery.js';

/** What {@link createReconciler} needs besides the configuration. */
export interface ReconcilerDependencies {
  store: TransactionStore;
  /** Rings for recovered events. */
  queue: JobQueue;
  log: Logger;
  readEvent: StoredEventReader;
  onRun?: (run: ReconcileRun) => void;
  /** Overrides the lease length (tests). */
  leaseMs?: number;
}

/** Every credential of the configuration: none may appear in an error or a log line. */
export function reconcileSecrets(config: ReconcileConfig): string[] {
  const secrets: string[] = [];
  if (config.stripe) secrets.push(config.stripe.apiKey);
  if (config.razorpay) {
    const { keyId, keySecret } = config.razorpay;
    secrets.push(keyId, keySecret, Buffer.from(`${keyId}:${keySecret}`, 'utf8').toString('base64'));
  }
  return secrets;
}

/**
 * The reconciler for the providers whose API credentials are configured (Stripe's events with
 * `STRIPE_API_KEY`, Razorpay's payments with `RAZORPAY_KEY_ID` and `RAZORPAY_KEY_SECRET`), not yet
 * started; undefined when none is. The caller owns it: `start()`, `stop()`.
 */
export function createReconciler(
  config: ReconcileConfig,
  deps: ReconcilerDependencies,
): Reconciler | undefined {
  const { store, queue, log, readEvent } = deps;
  const passes: ReconcilePass[] = [];
  if (config.stripe) {
    passes.push(new StripeRecovery({ api: new StripeEventsApi(config.stripe), store, queue, log }));
  }
  if (config.razorpay) {
    passes.push(new RazorpayCheck({ api: new RazorpayPaymentsApi(config.razorpay), store, readEvent, log }));
  }
  if (passes.length === 0) return undefined;
  return new Reconciler({
    store,
    passes,
    log,
    intervalMs: config.intervalMs,
    lookbackMs: config.lookbackMs,
    leaseMs: deps.leaseMs,
    onRun: deps.onRun,
    secrets: reconcileSecrets(config),
  });
}
