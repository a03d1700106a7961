import { furtherStatus, type PaymentStatus } from '../../domain/payment-status.js';
import type {
  PaymentFacts,
  ProviderEvent,
  ProviderRefund,
  RefundStatus,
} from '../../domain/provider-event.js';
import { furtherRefundStatus } from '../../domain/refund-status.js';
import { statusFrom } from '../status-table.js';
import { unmappedEvent } from '../unmapped-event.js';
import {
  type RazorpayPayment,
  readRazorpayEnvelope,
  readRazorpayPayment,
  readRazorpayRefund,
} from './razorpay-envelope.js';

/** A payment entity's `status` in the service's vocabulary; other values (`created`, `pending`, `refunded`) say nothing here. */
const PAYMENT_STATUS = new Map<string, PaymentStatus>([
  ['authorized', 'authorized'],
  ['captured', 'captured'],
  ['failed', 'failed'],
]);

/** A payment entity's `refund_status`, which states refunds more precisely than its `status`. */
const PAYMENT_REFUND_STATUS = new Map<string, PaymentStatus>([
  ['partial', 'partially_refunded'],
  ['full', 'refunded'],
]);

/** What an event type states about its payment, whatever the snapshot in it shows. */
const EVENT_PAYMENT_STATUS = new Map<string, PaymentStatus>([
  ['payment.authorized', 'authorized'],
  ['payment.captured', 'captured'],
  ['payment.failed', 'failed'],
]);

/** A refund entity's `status`. */
const REFUND_STATUS = new Map<string, RefundStatus>([
  ['pending', 'pending'],
  ['processed', 'succeeded'],
  ['failed', 'failed'],
]);

/** What an event type states about its refund. */
const EVENT_REFUND_STATUS = new Map<string, RefundStatus>([
  ['refund.processed', 'succeeded'],
  ['refund.failed', 'failed'],
]);

/** The status a payment snapshot shows: its `refund_status` when it has one, else its `status`. */
function snapshotStatus(payment: RazorpayPayment | null): PaymentStatus | null {
  if (payment === null) return null;
  return (
    statusFrom(PAYMENT_REFUND_STATUS, payment.refundStatus) ?? statusFrom(PAYMENT_STATUS, payment.status)
  );
}

const paymentFacts = (payment: RazorpayPayment | null, refund: ProviderRefund | null): PaymentFacts => ({
  paymentAmount: payment?.amount ?? null,
  paymentCurrency: payment?.currency ?? null,
  amountRefunded: payment?.amountRefunded ?? null,
  refund,
});

/**
 * The event a Razorpay delivery carries, from its parsed body and its event id (the
 * `X-Razorpay-Event-Id` header, already checked as an identifier: Razorpay puts no id in the
 * body). Pure. Throws `EnvelopeError` when the body is not Razorpay's envelope (see
 * `readRazorpayEnvelope`) or a payment or refund entity in it lacks an id or an amount that is a
 * non-negative safe integer.
 *
 * Mapping, by what the payload carries (never by guessing):
 *
 * | Payload carries | paymentId | amount, currency | paymentStatus | sourceAccount | destinationAccount |
 * | --- | --- | --- | --- | --- | --- |
 * | a refund entity (`refund.*`) | refund's `payment_id` | refund's | from the payment snapshot, when the payload has one | `account_id` | payment's `customer_id` |
 * | a payment entity (`payment.*`, `order.paid`, `payment_link.paid`, `invoice.paid`, `subscription.charged`, …) | payment's `id` | payment's | event type and snapshot, below | payment's `customer_id` | `account_id` |
 * | neither (`payment.downtime.*`, subscriptions, payouts, settlements, …) | null | null | null | null | null |
 *
 * Amounts are the integers as sent, in the minor unit; currencies upper-cased, null when the
 * entity sends none or `""`. Emails and phone numbers are never used as accounts (personal data).
 *
 * Payment status: the snapshot's `refund_status` `partial` → `partially_refunded`, `full` →
 * `refunded`; otherwise its `status` `authorized`, `captured`, `failed` as such, anything else
 * (`created`, `pending`, `refunded` without a `refund_status`) null. For `payment.authorized`,
 * `payment.captured` and `payment.failed` the event type states that status too, and the event
 * gives the further along of the two (rank order of `PAYMENT_STATUSES`). Razorpay documents that
 * a payload is the payment's snapshot when the event occurred and that delivery may lag behind
 * the payment; since a payment only moves up that order, the further statement is the later
 * truth, and a lagging snapshot cannot pull an event's status back.
 *
 * Refund status: the refund's `status` `pending` → `pending`, `processed` → `succeeded`,
 * `failed` → `failed`, and the event types `refund.processed` → `succeeded`, `refund.failed` →
 * `failed`; the further along of the two in the order of `REFUND_STATUSES`. A refund whose status
 * is stated by neither gives no refund fact.
 *
 * Facts: `paymentAmount`, `paymentCurrency` and `amountRefunded` (`amount_refunded`) from the
 * payment entity when the payload has one; `refund` `{id, amount, status}` for refund events.
 */
export function mapRazorpayEvent(body: unknown, eventId: string): ProviderEvent {
  const envelope = readRazorpayEnvelope(body);
  const payment = readRazorpayPayment(envelope);
  const refund = readRazorpayRefund(envelope);
  const event = unmappedEvent('razorpay', eventId, envelope.event);
  if (refund) {
    const status = furtherRefundStatus(
      statusFrom(REFUND_STATUS, refund.status),
      statusFrom(EVENT_REFUND_STATUS, envelope.event),
    );
    return {
      ...event,
      paymentId: refund.paymentId,
      paymentStatus: snapshotStatus(payment),
      amount: refund.amount,
      currency: refund.currency,
      // A refund moves money back: from the merchant to the customer.
      sourceAccount: envelope.accountId,
      destinationAccount: payment?.customerId ?? null,
      facts: paymentFacts(payment, status ? { id: refund.id, amount: refund.amount, status } : null),
    };
  }
  if (payment) {
    return {
      ...event,
      paymentId: payment.id,
      paymentStatus: furtherStatus(statusFrom(EVENT_PAYMENT_STATUS, envelope.event), snapshotStatus(payment)),
      amount: payment.amount,
      currency: payment.currency,
      sourceAccount: payment.customerId,
      destinationAccount: envelope.accountId,
      facts: paymentFacts(payment, null),
    };
  }
  return event;
}
