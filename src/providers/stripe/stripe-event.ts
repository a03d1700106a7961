import { furtherStatus, type PaymentStatus } from '../../domain/payment-status.js';
import type { ProviderEvent, RefundStatus } from '../../domain/provider-event.js';
import { furtherRefundStatus } from '../../domain/refund-status.js';
import { statusFrom } from '../status-table.js';
import { noPaymentFacts, unmappedEvent } from '../unmapped-event.js';
import {
  readStripeCharge,
  readStripeEnvelope,
  readStripePaymentIntent,
  readStripeRefund,
  type StripeCharge,
  type StripeEnvelope,
  stripeObjectKind,
} from './stripe-envelope.js';

/** What a PaymentIntent event type states, whatever the object in it shows. */
const PAYMENT_INTENT_EVENT_STATUS = new Map<string, PaymentStatus>([
  ['payment_intent.succeeded', 'captured'],
  ['payment_intent.payment_failed', 'failed'],
]);

/**
 * A PaymentIntent's `status`. `canceled` is not here: it says the intent was abandoned or an
 * authorization released, neither a decline (`failed`) nor anything else in the vocabulary, and a
 * captured payment cannot be canceled, so it states nothing about the money.
 */
const PAYMENT_INTENT_STATUS = new Map<string, PaymentStatus>([
  ['succeeded', 'captured'],
  ['requires_capture', 'authorized'],
]);

/** A Refund's `status`. */
const REFUND_STATUS = new Map<string, RefundStatus>([
  ['pending', 'pending'],
  ['requires_action', 'pending'],
  ['succeeded', 'succeeded'],
  ['failed', 'failed'],
  ['canceled', 'failed'],
]);

/** What a Refund event type states. */
const REFUND_EVENT_STATUS = new Map<string, RefundStatus>([['refund.failed', 'failed']]);

/**
 * A Charge's status: `failed` → failed; `succeeded` → captured when `captured` is true, else
 * authorized (a succeeded charge is at least authorized); `pending` and others → null. Refunds
 * move it further: `refunded: true` → refunded, else an `amount_refunded` above 0 → refunded
 * when it reaches `amount`, partially_refunded below.
 */
function chargeStatus(charge: StripeCharge): PaymentStatus | null {
  let status: PaymentStatus | null = null;
  if (charge.status === 'failed') status = 'failed';
  else if (charge.status === 'succeeded') status = charge.captured === true ? 'captured' : 'authorized';
  if (charge.refunded === true) return furtherStatus(status, 'refunded');
  if (charge.amountRefunded !== null && charge.amountRefunded > 0) {
    return furtherStatus(status, charge.amountRefunded >= charge.amount ? 'refunded' : 'partially_refunded');
  }
  return status;
}

/** The account money goes to on a PaymentIntent or Charge: Connect's destination, else on-behalf-of, else the event's connected account. */
const destinationOf = (
  envelope: StripeEnvelope,
  o: { transferDestination: string | null; onBehalfOf: string | null },
) => o.transferDestination ?? o.onBehalfOf ?? envelope.account;

/**
 * The event a Stripe delivery carries, from its parsed body. Its identity is the event's `id`
 * (`evt_…`), checked as an identifier; `eventId`, when given (a stored record's transaction id),
 * is used instead. Pure. Throws `EnvelopeError` when the body is not a Stripe event (see
 * `readStripeEnvelope`), or the PaymentIntent, Charge or Refund in it lacks an id or an amount
 * that is a non-negative safe integer.
 *
 * Mapping, by the kind of object the event carries (`data.object.object`), so `charge.dispute.*`
 * (a Dispute) and `invoice.*` (an Invoice) are "other":
 *
 * | Object | paymentId | amount, currency | paymentStatus | sourceAccount | destinationAccount |
 * | --- | --- | --- | --- | --- | --- |
 * | PaymentIntent (`payment_intent.*`) | its `id` | its | see below | `customer` | `transfer_data.destination` ?? `on_behalf_of` ?? event `account` |
 * | Charge (`charge.*`) | `payment_intent` ?? its `id` (legacy charges have no PaymentIntent) | its | see `chargeStatus` | `customer` | as for a PaymentIntent |
 * | Refund (`charge.refund.updated`, `refund.*`) | `payment_intent` ?? `charge` | the refund's | null: a refund alone does not say whether the payment is now fully refunded | event `account` (it pays back) | null (a Refund names no customer) |
 * | anything else | null | null | null | null | null |
 *
 * Ids may be expanded objects; their `id` is taken. Amounts are the integers as sent (minor unit;
 * JPY in yen); currencies upper-cased.
 *
 * PaymentIntent status: event `payment_intent.succeeded` or status `succeeded` → captured
 * (Stripe's `succeeded` is `captured` here); status `requires_capture` (e.g.
 * `payment_intent.amount_capturable_updated`) → authorized; event
 * `payment_intent.payment_failed` → failed; the further along when both event and object state
 * one; anything else (`requires_payment_method`, `requires_action`, `processing`, `canceled`) →
 * null.
 *
 * Refund status: `succeeded` → succeeded, `failed` and `canceled` → failed, `pending` and
 * `requires_action` → pending, and the event `refund.failed` → failed.
 *
 * Facts: PaymentIntent `paymentAmount`/`paymentCurrency`; Charge those and `amountRefunded`
 * (`amount_refunded`); Refund `refund` `{id, amount, status}` when its status is one of the above.
 */
export function mapStripeEvent(body: unknown, eventId?: string): ProviderEvent {
  const envelope = readStripeEnvelope(body);
  const event = unmappedEvent('stripe', eventId ?? envelope.id, envelope.type);
  switch (stripeObjectKind(envelope)) {
    case 'payment_intent': {
      const intent = readStripePaymentIntent(envelope);
      return {
        ...event,
        paymentId: intent.id,
        paymentStatus: furtherStatus(
          statusFrom(PAYMENT_INTENT_EVENT_STATUS, envelope.type),
          statusFrom(PAYMENT_INTENT_STATUS, intent.status),
        ),
        amount: intent.amount,
        currency: intent.currency,
        sourceAccount: intent.customer,
        destinationAccount: destinationOf(envelope, intent),
        facts: { ...noPaymentFacts(), paymentAmount: intent.amount, paymentCurrency: intent.currency },
      };
    }
    case 'charge': {
      const charge = readStripeCharge(envelope);
      return {
        ...event,
        paymentId: charge.paymentIntent ?? charge.id,
        paymentStatus: chargeStatus(charge),
        amount: charge.amount,
        currency: charge.currency,
        sourceAccount: charge.customer,
        destinationAccount: destinationOf(envelope, charge),
        facts: {
          ...noPaymentFacts(),
          paymentAmount: charge.amount,
          paymentCurrency: charge.currency,
          amountRefunded: charge.amountRefunded,
        },
      };
    }
    case 'refund': {
      const refund = readStripeRefund(envelope);
      const status = furtherRefundStatus(
        statusFrom(REFUND_STATUS, refund.status),
        statusFrom(REFUND_EVENT_STATUS, envelope.type),
      );
      return {
        ...event,
        paymentId: refund.paymentIntent ?? refund.charge,
        amount: refund.amount,
        currency: refund.currency,
        sourceAccount: envelope.account,
        facts: {
          ...noPaymentFacts(),
          refund: status ? { id: refund.id, amount: refund.amount, status } : null,
        },
      };
    }
    default:
      return event;
  }
}
