import type { PaymentStatus } from '../../domain/payment-status.js';
import type { ProviderEvent, RefundStatus } from '../../domain/provider-event.js';
import { statusFrom } from '../status-table.js';
import { noPaymentFacts, unmappedEvent } from '../unmapped-event.js';
import { readCashfreeEnvelope, readCashfreePayment, readCashfreeRefund } from './cashfree-envelope.js';

/**
 * A payment's `payment_status`. `USER_DROPPED` (the customer left the bank's page), `VOID`,
 * `CANCELLED`, `NOT_ATTEMPTED` and `PENDING` say nothing in this vocabulary: none is a decline by
 * the bank (`failed`), and a later attempt of the order may still succeed.
 */
const PAYMENT_STATUS = new Map<string, PaymentStatus>([
  ['SUCCESS', 'captured'],
  ['FAILED', 'failed'],
]);

/** A refund's `refund_status`. */
const REFUND_STATUS = new Map<string, RefundStatus>([
  ['SUCCESS', 'succeeded'],
  ['PENDING', 'pending'],
  ['ONHOLD', 'pending'],
  ['CANCELLED', 'failed'],
  ['FAILED', 'failed'],
]);

/**
 * The event a Cashfree delivery carries, from its body parsed with numbers as their source text,
 * under `eventId` (see `cashfreeEventId`). Pure. Throws `EnvelopeError` when the body is not
 * Cashfree's envelope, or the payment or refund in it lacks an id or an amount that is a
 * non-negative decimal of at most two places.
 *
 * | Data carries | paymentId | amount, currency | paymentStatus | sourceAccount | destinationAccount |
 * | --- | --- | --- | --- | --- | --- |
 * | a payment (`PAYMENT_*_WEBHOOK`) | `cf_payment_id` | `payment_amount` in paise, `payment_currency` (INR when absent) | `SUCCESS` → captured, `FAILED` → failed, else null | `customer_details.customer_id` | null (the envelope names no merchant account) |
 * | a refund (`REFUND_STATUS_WEBHOOK`) | the refund's `cf_payment_id` | `refund_amount` in paise, `refund_currency` | null | null | null |
 * | anything else (settlements, disputes…) | null | null | null | null | null |
 *
 * Facts: the payment's amount and currency; a refund's `{id: cf_refund_id, amount, status}` with
 * `SUCCESS` → succeeded, `PENDING` and `ONHOLD` → pending, `CANCELLED` and `FAILED` → failed.
 */
export function mapCashfreeEvent(body: unknown, eventId: string): ProviderEvent {
  const envelope = readCashfreeEnvelope(body);
  const event = unmappedEvent('cashfree', eventId, envelope.type);
  const payment = readCashfreePayment(envelope);
  if (payment) {
    return {
      ...event,
      paymentId: payment.id,
      paymentStatus: statusFrom(PAYMENT_STATUS, payment.status),
      amount: payment.amount,
      currency: payment.currency,
      sourceAccount: payment.customerId,
      facts: { ...noPaymentFacts(), paymentAmount: payment.amount, paymentCurrency: payment.currency },
    };
  }
  const refund = readCashfreeRefund(envelope);
  if (refund) {
    const status = statusFrom(REFUND_STATUS, refund.status);
    return {
      ...event,
      paymentId: refund.paymentId,
      amount: refund.amount,
      currency: refund.currency,
      facts: {
        ...noPaymentFacts(),
        refund: status ? { id: refund.id, amount: refund.amount, status } : null,
      },
    };
  }
  return event;
}
