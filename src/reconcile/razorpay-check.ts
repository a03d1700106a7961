import { isMismatch, LargestMismatches } from '../domain/reconciliation.js';
import type { Logger } from '../logger.js';
import { readRazorpayPaymentState } from '../providers/razorpay/razorpay-payment-state.js';
import type { RazorpayPaymentsApi } from '../providers/razorpay/razorpay-payments-api.js';
import { EnvelopeError } from '../providers/webhook-provider.js';
import type { TransactionStore } from '../store/transaction-store.js';
import { readPayment, type StoredEventReader } from '../transactions/payment-view.js';
import type { PassContext, PassOutcome, PassProgress, ReconcilePass } from './reconcile-pass.js';

/** Options of {@link RazorpayCheck}. */
export interface RazorpayCheckOptions {
  api: RazorpayPaymentsApi;
  store: TransactionStore;
  /** Re-reads stored events, to derive a payment's state as `GET /v1/payments/{id}` does. */
  readEvent: StoredEventReader;
  log: Logger;
}

/**
 * Razorpay's check: Razorpay has no events list, so every run lists the payments created in the
 * lookback (not since a watermark: refunds and late captures change old payments) and compares each
 * one's state at Razorpay with the state the service derives from the events it stored for it (null
 * when it holds none). It changes nothing: every difference is a mismatch, for an operator to look
 * at (a missed `payment.captured` means an order never fulfilled). A complete run's mismatches
 * replace the previous run's.
 */
export class RazorpayCheck implements ReconcilePass {
  readonly provider = 'razorpay';

  constructor(private readonly options: RazorpayCheckOptions) {}

  async run(context: PassContext, progress: PassProgress): Promise<PassOutcome> {
    const { api, store, readEvent, log } = this.options;
    const from = context.since ?? new Date(context.now.getTime() - context.lookbackMs);
    const to = Math.floor(context.now.getTime() / 1000);
    const mismatches = new LargestMismatches();
    const seen = new Set<string>();
    for await (const items of api.pages(Math.floor(from.getTime() / 1000), to, context.signal)) {
      const states = [];
      for (const [i, item] of items.entries()) {
        progress.checked++;
        try {
          const state = readRazorpayPaymentState(item, ['items', i]);
          if (!seen.has(state.id)) states.push(state);
          seen.add(state.id);
        } catch (error) {
          if (!(error instanceof EnvelopeError)) throw error;
          log.warn(
            { loc: error.loc, problem: error.message },
            'a listed Razorpay payment could not be read; not checked',
          );
        }
      }
      const derived = await Promise.all(states.map((s) => readPayment(store, readEvent, s.id)));
      for (const [i, state] of states.entries()) {
        const derivedStatus = derived[i]?.paymentStatus ?? null;
        if (!isMismatch(state.status, derivedStatus)) continue;
        mismatches.add({
          provider: 'razorpay',
          paymentId: state.id,
          providerStatus: state.status,
          derivedStatus,
          amount: state.amount,
          currency: state.currency,
          createdAt: state.createdAt,
        });
        progress.mismatches = mismatches.count;
      }
    }
    return { mismatches: { kept: mismatches.largest(), count: mismatches.count } };
  }

  close(): Promise<void> {
    return this.options.api.close();
  }
}
