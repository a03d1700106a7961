import { furtherStatus, type PaymentStatus } from './payment-status.js';
import type { Provider, ProviderEvent, RefundStatus } from './provider-event.js';
import { furtherRefundStatus } from './refund-status.js';
import type { TransactionStatus } from './transaction.js';

/** One stored event of a payment, as {@link derivePaymentState} reads it. */
export interface PaymentEventRecord {
  event: ProviderEvent;
  /** The record's processing status (RECEIVED … PROCESSED, FAILED). */
  status: TransactionStatus;
  receivedAt: Date;
}

/** A payment's state, derived from every event received for it. */
export interface PaymentState {
  paymentId: string;
  provider: Provider;
  /** The furthest status any event gives it, refunds included; null when no event says. */
  paymentStatus: PaymentStatus | null;
  /** The payment's own amount in the minor unit, as its events state it; null when none does. */
  amount: number | null;
  currency: string | null;
  /** Refunded so far, in the minor unit (0 when nothing was refunded). */
  amountRefunded: number;
  /** Its events, oldest first (ties by id). */
  events: PaymentEventRecord[];
}

/**
 * The state of a payment from its events, whatever order they arrived in: neither provider orders
 * its deliveries, and Razorpay gives one payment's authorized, captured and failed events the same
 * `created_at`. Every step is a maximum, a sum over distinct refunds or a choice made on sorted
 * input, so every permutation of the same events gives the same state:
 *
 * - status: the highest rank any event states (`failed` < `authorized` < `captured` <
 *   `partially_refunded` < `refunded`), and at least the refund status the amounts give;
 * - refunded: the larger of the sum of the distinct refunds that have not failed and the largest
 *   refunded total any snapshot of the payment states (a refund event may be missing while the
 *   payment's snapshot already counts it). It is `refunded` once it reaches the payment's amount,
 *   else `partially_refunded`;
 * - amount and currency: the payment's own, from the events that carry the payment (the currency
 *   from the first, by event id, of those with that amount that states one).
 *
 * Null when `records` is empty.
 */
export function derivePaymentState(
  paymentId: string,
  records: readonly PaymentEventRecord[],
): PaymentState | null {
  if (records.length === 0) return null;
  const byId = [...records].sort((a, b) => compare(a.event.eventId, b.event.eventId));
  let status: PaymentStatus | null = null;
  let amount: number | null = null;
  let currency: string | null = null;
  let statedRefunded = 0;
  const refunds = new Map<string, { amount: number; status: RefundStatus }>();
  for (const { event } of byId) {
    status = furtherStatus(status, event.paymentStatus);
    const facts = event.facts;
    if (facts.paymentAmount !== null && (amount === null || facts.paymentAmount > amount)) {
      amount = facts.paymentAmount;
      currency = facts.paymentCurrency;
    } else if (facts.paymentAmount !== null && facts.paymentAmount === amount && currency === null) {
      // An event may leave the currency out (Razorpay's own samples send "currency": "") where
      // the payment's other events state it.
      currency = facts.paymentCurrency;
    }
    if (facts.amountRefunded !== null) statedRefunded = Math.max(statedRefunded, facts.amountRefunded);
    const refund = facts.refund;
    if (refund) {
      const known = refunds.get(refund.id);
      refunds.set(refund.id, {
        amount: Math.max(known?.amount ?? 0, refund.amount),
        status: furtherRefundStatus(known?.status ?? null, refund.status) ?? refund.status,
      });
    }
  }
  let refundedByRefunds = 0;
  for (const refund of refunds.values()) if (refund.status !== 'failed') refundedByRefunds += refund.amount;
  const amountRefunded = Math.max(refundedByRefunds, statedRefunded);
  if (amountRefunded > 0) {
    status = furtherStatus(
      status,
      amount !== null && amountRefunded >= amount ? 'refunded' : 'partially_refunded',
    );
  }
  const events = [...records].sort(
    (a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || compare(a.event.eventId, b.event.eventId),
  );
  return {
    paymentId,
    provider: byId[0]!.event.provider,
    paymentStatus: status,
    amount,
    currency,
    amountRefunded,
    events,
  };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
