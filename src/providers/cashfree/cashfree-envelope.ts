import {
  isJsonObject,
  type JsonObject,
  type Loc,
  optionalCurrency,
  optionalIdentifier,
  optionalIdentifierText,
  optionalString,
  requireIdentifierText,
  requireMajorUnitAmount,
  requireNonEmptyString,
  requireObject,
} from '../envelope-fields.js';

/**
 * Cashfree's webhook envelope (versions 2023-08-01 and 2025-01-01), checked as far as the mapping
 * reads it: `{"data":{"order":{…},"payment":{…},"customer_details":{…},…},"event_time":"…",
 * "type":"PAYMENT_SUCCESS_WEBHOOK"}`, or `{"data":{"refund":{…}},…,"type":"REFUND_STATUS_WEBHOOK"}`.
 * Numbers arrive as `JsonNumberText` (see `parseJsonKeepingNumberText`): amounts are rupees as
 * JSON decimals (`170.50`), read from their digits.
 */
export interface CashfreeEnvelope {
  /** The event type (`PAYMENT_SUCCESS_WEBHOOK`, `PAYMENT_FAILED_WEBHOOK`, `REFUND_STATUS_WEBHOOK`…). */
  type: string;
  data: JsonObject;
}

/** A payment (`data.payment`) as the mapping reads it. */
export interface CashfreePayment {
  /** `cf_payment_id`, as text (Cashfree sends a string, older versions a number). */
  id: string;
  /** `payment_amount` in paise. */
  amount: number;
  /** `payment_currency`, upper-case; INR when absent (Cashfree states amounts in rupees). */
  currency: string;
  /** `payment_status`: SUCCESS, FAILED, USER_DROPPED, PENDING, … as sent. */
  status: string | null;
  /** `data.customer_details.customer_id`, when it is one. */
  customerId: string | null;
}

/** A refund (`data.refund`) as the mapping reads it. */
export interface CashfreeRefund {
  /** `cf_refund_id`, as text. */
  id: string;
  /** `cf_payment_id` of the refunded payment, as text. */
  paymentId: string | null;
  /** `refund_amount` in paise. */
  amount: number;
  currency: string;
  /** `refund_status`: SUCCESS, PENDING, CANCELLED, ONHOLD, … as sent. */
  status: string | null;
}

const BODY: Loc = ['body'];

/** Checks that `body` is Cashfree's envelope: an object with a non-empty `type` and an object `data`. */
export function readCashfreeEnvelope(body: unknown): CashfreeEnvelope {
  const envelope = requireObject(body, BODY);
  return {
    type: requireNonEmptyString(envelope.type, ['body', 'type']),
    data: requireObject(envelope.data, ['body', 'data']),
  };
}

/** The payment the envelope carries (`data.payment`), or null when it carries none. */
export function readCashfreePayment(envelope: CashfreeEnvelope): CashfreePayment | null {
  if (envelope.data.payment === undefined || envelope.data.payment === null) return null;
  const loc: Loc = ['body', 'data', 'payment'];
  const p = requireObject(envelope.data.payment, loc);
  const customer = isJsonObject(envelope.data.customer_details) ? envelope.data.customer_details : {};
  return {
    id: requireIdentifierText(p.cf_payment_id, [...loc, 'cf_payment_id']),
    amount: requireMajorUnitAmount(p.payment_amount, [...loc, 'payment_amount']),
    currency: optionalCurrency(p.payment_currency, [...loc, 'payment_currency']) ?? 'INR',
    status: optionalString(p.payment_status, [...loc, 'payment_status']),
    // Cashfree's customer id is the merchant's own; sent as null when the order had none.
    customerId: optionalIdentifier(customer.customer_id, ['body', 'data', 'customer_details', 'customer_id']),
  };
}

/** The refund the envelope carries (`data.refund`), or null when it carries none. */
export function readCashfreeRefund(envelope: CashfreeEnvelope): CashfreeRefund | null {
  if (envelope.data.refund === undefined || envelope.data.refund === null) return null;
  const loc: Loc = ['body', 'data', 'refund'];
  const r = requireObject(envelope.data.refund, loc);
  return {
    id: requireIdentifierText(r.cf_refund_id, [...loc, 'cf_refund_id']),
    paymentId: optionalIdentifierText(r.cf_payment_id, [...loc, 'cf_payment_id']),
    amount: requireMajorUnitAmount(r.refund_amount, [...loc, 'refund_amount']),
    currency: optionalCurrency(r.refund_currency, [...loc, 'refund_currency']) ?? 'INR',
    status: optionalString(r.refund_status, [...loc, 'refund_status']),
  };
}
