import type { PaymentStatus } from '../../domain/payment-status.js';
import type { ProviderEvent } from '../../domain/provider-event.js';
import {
  type JsonObject,
  type Loc,
  optionalAmount,
  optionalCurrency,
  optionalIdentifier,
  optionalString,
  requireAmount,
  requireIdentifier,
  requireNonEmptyString,
  requireObject,
} from '../envelope-fields.js';
import { derivedEventId } from '../event-identity.js';
import { statusFrom } from '../status-table.js';
import { noPaymentFacts, unmappedEvent } from '../unmapped-event.js';
import { EnvelopeError } from '../webhook-provider.js';

/** An order's `payload.state`. `PENDING` says nothing yet. */
const ORDER_STATE = new Map<string, PaymentStatus>([
  ['COMPLETED', 'captured'],
  ['FAILED', 'failed'],
]);

/** PhonePe's v2 callback, as far as the mapping reads it: `{"event":"checkout.order.completed","payload":{…}}`. */
interface PhonepeEnvelope {
  /** `event`, or the older `type` when a callback has no `event` (PhonePe is retiring `type`). */
  event: string;
  payload: JsonObject;
}

function readEnvelope(body: unknown): PhonepeEnvelope {
  const envelope = requireObject(body, ['body']);
  const event =
    envelope.event === undefined && envelope.type !== undefined
      ? requireNonEmptyString(envelope.type, ['body', 'type'])
      : requireNonEmptyString(envelope.event, ['body', 'event']);
  return { event, payload: requireObject(envelope.payload, ['body', 'payload']) };
}

const at = (name: string): Loc => ['body', 'payload', name];

/** Whether the callback is about a refund (`pg.refund.*`): its payload names a refund, not an order. */
const isRefund = (e: PhonepeEnvelope) =>
  e.event.includes('.refund.') ||
  e.payload.refundId !== undefined ||
  e.payload.merchantRefundId !== undefined;

/**
 * The identity of a PhonePe callback: PhonePe sends no event id, so `event`, `payload.orderId` and
 * `payload.state`, the same on every retry
 * (`phonepe:checkout.order.completed:OMO2403282020198641071317:COMPLETED`, see `derivedEventId`). A
 * refund callback names no order: its `refundId`, else `merchantRefundId`, stands in. Throws
 * `EnvelopeError` when the body is not the callback or names neither.
 */
export function phonepeEventId(body: unknown): string {
  const envelope = readEnvelope(body);
  const p = envelope.payload;
  const refund = isRefund(envelope);
  const id = refund
    ? (optionalIdentifier(p.refundId, at('refundId')) ??
      optionalIdentifier(p.merchantRefundId, at('merchantRefundId')))
    : requireIdentifier(p.orderId, at('orderId'));
  if (id === null) throw new EnvelopeError([...at('refundId')], 'Field required', 'missing');
  return derivedEventId('phonepe', [envelope.event, id, optionalString(p.state, at('state')) ?? '']);
}

/**
 * The event a PhonePe v2 callback carries, under `eventId` (default {@link phonepeEventId}). Pure.
 * Throws `EnvelopeError` for a body that is not the callback, or an order callback without
 * `orderId` or an `amount` that is a non-negative integer of paise.
 *
 * | Callback | paymentId | amount, currency | paymentStatus | destinationAccount |
 * | --- | --- | --- | --- | --- |
 * | an order (`checkout.order.*`, `pg.order.*`) | `payload.orderId` (PhonePe's `OMO…`) | `payload.amount` (paise), `payload.currency` or INR | `payload.state`: COMPLETED → captured, FAILED → failed, else null | `payload.merchantId` |
 * | a refund (`pg.refund.*`) | null (the callback names the merchant's order, not PhonePe's) | `payload.amount` (paise), INR | null | `payload.merchantId` |
 *
 * `eventType` is `event`; `sourceAccount` is null (the callback names no customer).
 */
export function mapPhonepeEvent(body: unknown, eventId = phonepeEventId(body)): ProviderEvent {
  const envelope = readEnvelope(body);
  const p = envelope.payload;
  const event = unmappedEvent('phonepe', eventId, envelope.event);
  const merchant = optionalIdentifier(p.merchantId, at('merchantId'));
  if (isRefund(envelope)) {
    const amount = optionalAmount(p.amount, at('amount'));
    return { ...event, amount, currency: amount === null ? null : 'INR', destinationAccount: merchant };
  }
  const amount = requireAmount(p.amount, at('amount'));
  const currency = optionalCurrency(p.currency, at('currency')) ?? 'INR';
  return {
    ...event,
    paymentId: requireIdentifier(p.orderId, at('orderId')),
    paymentStatus: statusFrom(ORDER_STATE, optionalString(p.state, at('state'))),
    amount,
    currency,
    destinationAccount: merchant,
    facts: { ...noPaymentFacts(), paymentAmount: amount, paymentCurrency: currency },
  };
}
