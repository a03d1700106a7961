import {
  expandableId,
  type JsonObject,
  type Loc,
  optionalAmount,
  optionalBoolean,
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
 * Stripe's event, checked as far as the mapping reads it: `{"id":"evt_…","object":"event",
 * "type":"…","data":{"object":{…}},"account":"acct_…",…}`. Other fields are not checked: Stripe
 * adds fields and event types with every API version.
 */
export interface StripeEnvelope {
  /** `id` (`evt_…`): the event's identity, an identifier. */
  id: string;
  /** `type`, e.g. `payment_intent.succeeded`. */
  type: string;
  /** `account`: the connected account the event happened on (Connect); null when absent. */
  account: string | null;
  /** `data.object`: the API object the event is about. */
  object: JsonObject;
}

/** The fields the PaymentIntent, Charge and Refund mappings share. */
interface StripeMoneyObject {
  id: string;
  /** In the currency's minor unit, as sent. */
  amount: number;
  /** Upper-case. */
  currency: string | null;
  status: string | null;
}

/** Who pays and who is paid, on a PaymentIntent or a Charge. */
interface StripeParties {
  /** `customer`, or the expanded customer's id. */
  customer: string | null;
  /** `transfer_data.destination` (Connect destination charges), or the expanded account's id. */
  transferDestination: string | null;
  /** `on_behalf_of`, or the expanded account's id. */
  onBehalfOf: string | null;
}

/** A PaymentIntent (`pi_…`) as the mapping reads it. */
export interface StripePaymentIntent extends StripeMoneyObject, StripeParties {}

/** A Charge (`ch_…`, `py_…`) as the mapping reads it. */
export interface StripeCharge extends StripeMoneyObject, StripeParties {
  captured: boolean | null;
  refunded: boolean | null;
  amountRefunded: number | null;
  /** `payment_intent`, or the expanded PaymentIntent's id; null on legacy charges. */
  paymentIntent: string | null;
}

/** A Refund (`re_…`, `pyr_…`) as the mapping reads it. */
export interface StripeRefund extends StripeMoneyObject {
  /** `payment_intent`, or the expanded PaymentIntent's id. */
  paymentIntent: string | null;
  /** `charge`, or the expanded Charge's id. */
  charge: string | null;
}

const OBJECT: Loc = ['body', 'data', 'object'];
const at = (field: string): Loc => [...OBJECT, field];

/**
 * Checks that `body` (parsed JSON) is a Stripe event: an object whose `object` is `event`, with
 * an identifier `id`, a non-empty string `type`, an object `data.object`, and an identifier
 * `account` when present. Throws `EnvelopeError` naming the first field that is not.
 */
export function readStripeEnvelope(body: unknown): StripeEnvelope {
  const event = requireObject(body, ['body']);
  requireLiteral(event.object, 'event', ['body', 'object']);
  const id = requireIdentifier(event.id, ['body', 'id']);
  const type = requireNonEmptyString(event.type, ['body', 'type']);
  const data = requireObject(event.data, ['body', 'data']);
  return {
    id,
    type,
    account: optionalIdentifier(event.account, ['body', 'account']),
    object: requireObject(data.object, OBJECT),
  };
}

/** The kind of API object the event carries (`data.object.object`), or null when it names none. */
export const stripeObjectKind = (envelope: StripeEnvelope): string | null =>
  typeof envelope.object.object === 'string' ? envelope.object.object : null;

function moneyObject(o: JsonObject): StripeMoneyObject {
  return {
    id: requireIdentifier(o.id, at('id')),
    amount: requireAmount(o.amount, at('amount')),
    currency: optionalCurrency(o.currency, at('currency')),
    status: optionalString(o.status, at('status')),
  };
}

function parties(o: JsonObject): StripeParties {
  const transfer =
    o.transfer_data === undefined || o.transfer_data === null
      ? null
      : requireObject(o.transfer_data, at('transfer_data'));
  return {
    customer: expandableId(o.customer, at('customer')),
    transferDestination:
      transfer && expandableId(transfer.destination, [...at('transfer_data'), 'destination']),
    onBehalfOf: expandableId(o.on_behalf_of, at('on_behalf_of')),
  };
}

/** `data.object` read as a PaymentIntent. */
export const readStripePaymentIntent = (envelope: StripeEnvelope): StripePaymentIntent => ({
  ...moneyObject(envelope.object),
  ...parties(envelope.object),
});

/** `data.object` read as a Charge. */
export function readStripeCharge(envelope: StripeEnvelope): StripeCharge {
  const o = envelope.object;
  return {
    ...moneyObject(o),
    ...parties(o),
    captured: optionalBoolean(o.captured, at('captured')),
    refunded: optionalBoolean(o.refunded, at('refunded')),
    amountRefunded: optionalAmount(o.amount_refunded, at('amount_refunded')),
    paymentIntent: expandableId(o.payment_intent, at('payment_intent')),
  };
}

/** `data.object` read as a Refund. */
export function readStripeRefund(envelope: StripeEnvelope): StripeRefund {
  const o = envelope.object;
  return {
    ...moneyObject(o),
    paymentIntent: expandableId(o.payment_intent, at('payment_intent')),
    charge: expandableId(o.charge, at('charge')),
  };
}
