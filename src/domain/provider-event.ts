import type { PaymentStatus } from './payment-status.js';

/**
 * A payment provider, by the name it is registered under (`razorpay`, `cashfree`, …): the path
 * segment of its endpoint and the `provider` of its records. Which names exist is the provider
 * registry's business (`src/providers/provider-registry.ts`), not the domain's: the domain treats
 * every provider alike, and the API checks names against the registry where they enter.
 */
export type Provider = string;

/** A refund's progress, in one vocabulary for every provider, in rank order (see {@link ProviderRefund}). */
export const REFUND_STATUSES = ['pending', 'succeeded', 'failed'] as const;

/** A refund's status. */
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/**
 * A refund as one event states it. Its status only moves forward in rank order: Razorpay's
 * `processed` and Stripe's `succeeded` are `succeeded`; `failed` ranks last because a refund that
 * succeeded can still fail later (Stripe documents it), and a failed refund never succeeds.
 */
export interface ProviderRefund {
  /** The provider's refund id (`rfnd_…`, `re_…`). */
  id: string;
  /** In the currency's minor unit, the integer as sent. */
  amount: number;
  status: RefundStatus;
}

/**
 * What an event says about its payment beyond the record's own fields, for deriving the payment's
 * state from all its events (see `derivePaymentState`). Every field is null when the event does not
 * say.
 */
export interface PaymentFacts {
  /** The payment's own amount (not a refund's), in the minor unit, as sent. */
  paymentAmount: number | null;
  /** The payment's currency, upper-case. */
  paymentCurrency: string | null;
  /** The total refunded on the payment, as the snapshot of the payment (or charge) in the event states it. */
  amountRefunded: number | null;
  /** The refund the event carries. */
  refund: ProviderRefund | null;
}

/**
 * One verified provider event in the service's own terms: what a provider adapter turns the
 * provider's envelope into. Every mapped value is taken from the payload as sent; where the payload
 * does not say, the value is null, never guessed.
 */
export interface ProviderEvent {
  provider: Provider;
  /**
   * The event's identity (Razorpay's `X-Razorpay-Event-Id`, Stripe's `evt_…`, or one derived from
   * what the gateway states, the same on every retry): the record's transaction id.
   */
  eventId: string;
  /** The event type as the provider names it (`payment.captured`, `payment_intent.succeeded`). */
  eventType: string;
  /** The payment the event is about (`pay_…`, `pi_…`, or a legacy charge's `ch_…`); null when it names none. */
  paymentId: string | null;
  /** What the event says the payment's status is; null when it says nothing about it. */
  paymentStatus: PaymentStatus | null;
  /** The amount of the event's subject (a refund's for a refund event, else the payment's), minor unit, as sent. */
  amount: number | null;
  /** ISO 4217 code of `amount`, upper-case. */
  currency: string | null;
  /** Where the money comes from, per the provider's documented mapping; null when the payload does not say. */
  sourceAccount: string | null;
  /** Where the money goes, per the provider's documented mapping; null when the payload does not say. */
  destinationAccount: string | null;
  facts: PaymentFacts;
}
