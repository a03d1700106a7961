import {
  type JsonObject,
  type Loc,
  optionalAmount,
  optionalCurrency,
  optionalIdentifier,
  optionalString,
  requireAmount,
  requireIdentifier,
  requireLiteral,
  requireNonEmptyString,
  requireObject,
} from '../envelope-fields.js';

/**
 * Razorpay's event envelope, checked as far as the mapping reads it:
 * `{"entity":"event","account_id":"acc_…","event":"payment.captured","contains":[…],
 * "payload":{"payment":{"entity":{…}},…},"created_at":…}`. Other fields, and entities the mapping
 * does not read, are not checked: Razorpay adds fields and event types over time.
 */
export interface RazorpayEnvelope {
  /** The event type, e.g. `payment.captured`. */
  event: string;
  /** The merchant's account (`acc_…`); null when the envelope has none. */
  accountId: string | null;
  /** `payload`: each entity the event carries, under its name, as `{"entity":{…}}`. */
  payload: JsonObject;
}

/** A payment entity (`pay_…`) as the mapping reads it. */
export interface RazorpayPayment {
  id: string;
  /** In the currency's minor unit, as sent. */
  amount: number;
  /** Upper-case; null when the entity states none (Razorpay's samples send `""`). */
  currency: string | null;
  /** `created`, `authorized`, `captured`, `refunded`, `failed`, … as sent. */
  status: string | null;
  /** `partial`, `full`, or null. */
  refundStatus: string | null;
  amountRefunded: number | null;
  /** The Razorpay customer (`cust_…`) when the payment has one. */
  customerId: string | null;
}

/** A refund entity (`rfnd_…`) as the mapping reads it. */
export interface RazorpayRefund {
  id: string;
  amount: number;
  currency: string | null;
  /** The refunded payment (`pay_…`). */
  paymentId: string | null;
  /** `pending`, `processed`, `failed` as sent. */
  status: string | null;
}

const BODY: Loc = ['body'];

/**
 * Checks that `body` (parsed JSON) is Razorpay's event envelope: an object with `entity` equal to
 * `event`, a non-empty string `event`, an object `payload`, and an `account_id` that is an id when
 * present. Throws `EnvelopeError` naming the first field that is not.
 */
export function readRazorpayEnvelope(body: unknown): RazorpayEnvelope {
  const envelope = requireObject(body, BODY);
  requireLiteral(envelope.entity, 'event', ['body', 'entity']);
  return {
    event: requireNonEmptyString(envelope.event, ['body', 'event']),
    accountId: optionalIdentifier(envelope.account_id, ['body', 'account_id']),
    payload: requireObject(envelope.payload, ['body', 'payload']),
  };
}

/**
 * The entity the payload carries under `name` (`payload.<name>.entity`), or null when it carries
 * none. An entity that is there must be an object whose own `entity`, when present, is `name`.
 */
function entityOf(envelope: RazorpayEnvelope, name: string): { entity: JsonObject; loc: Loc } | null {
  const holder = envelope.payload[name];
  if (holder === undefined) return null;
  const loc = ['body', 'payload', name];
  const entity = requireObject(requireObject(holder, loc).entity, [...loc, 'entity']);
  if (entity.entity !== undefined) requireLiteral(entity.entity, name, [...loc, 'entity', 'entity']);
  return { entity, loc: [...loc, 'entity'] };
}

/** The payment entity of the envelope (`payload.payment.entity`), or null when it carries none. */
export function readRazorpayPayment(envelope: RazorpayEnvelope): RazorpayPayment | null {
  const found = entityOf(envelope, 'payment');
  if (!found) return null;
  const { entity: p, loc } = found;
  return {
    id: requireIdentifier(p.id, [...loc, 'id']),
    amount: requireAmount(p.amount, [...loc, 'amount']),
    currency: optionalCurrency(p.currency, [...loc, 'currency']),
    status: optionalString(p.status, [...loc, 'status']),
    refundStatus: optionalString(p.refund_status, [...loc, 'refund_status']),
    amountRefunded: optionalAmount(p.amount_refunded, [...loc, 'amount_refunded']),
    customerId: optionalIdentifier(p.customer_id, [...loc, 'customer_id']),
  };
}

/** The refund entity of the envelope (`payload.refund.entity`), or null when it carries none. */
export function readRazorpayRefund(envelope: RazorpayEnvelope): RazorpayRefund | null {
  const found = entityOf(envelope, 'refund');
  if (!found) return null;
  const { entity: r, loc } = found;
  return {
    id: requireIdentifier(r.id, [...loc, 'id']),
    amount: requireAmount(r.amount, [...loc, 'amount']),
    currency: optionalCurrency(r.currency, [...loc, 'currency']),
    paymentId: optionalIdentifier(r.payment_id, [...loc, 'payment_id']),
    status: optionalString(r.status, [...loc, 'status']),
  };
}
