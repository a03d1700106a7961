import { randomBytes } from 'node:crypto';
import { fixtureBytes, fixtureJson } from './provider-fixtures.js';

type Json = Record<string, unknown>;

/** Stripe's kept fixtures of payment events, cycled through to make many distinct events. */
export const STRIPE_PAYMENT_FIXTURES = [
  'payment_intent.succeeded',
  'charge.succeeded',
  'payment_intent.payment_failed',
  'charge.failed',
  'payment_intent.amount_capturable_updated',
  'charge.refunded',
  'charge.refund.updated',
  'payment_intent.canceled',
  'customer.subscription.created',
  'payout.paid',
] as const;

/** A random id tail in Stripe's alphabet. */
export const stripeIdTail = () => randomBytes(18).toString('base64url').replace(/[-_]/g, 'x').slice(0, 24);

/** One Stripe event made from a kept fixture. */
export interface StripeFixtureEvent {
  eventId: string;
  /** The event as the list API holds it, parsed. */
  event: Json;
  /** The same event as Stripe's webhook delivers it: the fixture's bytes and whitespace, ids and time replaced. */
  body: Buffer;
}

/**
 * Stripe's published fixture `name` as a distinct event: its object ids (`pi_…`, `ch_…`, `re_…`,
 * `sub_…`, `po_…`, all zeros in the fixtures) replaced by fresh ones (every occurrence, so the
 * charge's `payment_intent` still names its PaymentIntent), its `id` by `eventId`, and its top-level
 * `created` by `created` (unix seconds). Everything else is the fixture's, byte for byte.
 */
export function stripeFixtureEvent(
  name: string,
  { eventId = `evt_${stripeIdTail()}`, created }: { eventId?: string; created: number },
): StripeFixtureEvent {
  const ids = new Map<string, string>();
  const text = fixtureBytes('stripe', name)
    .toString('utf8')
    .replace(/"(pi|ch|re|sub|po)_0{24}"/g, (whole, prefix: string) => {
      const id = ids.get(whole) ?? `"${prefix}_${stripeIdTail()}"`;
      ids.set(whole, id);
      return id;
    })
    .replace(/"id": "evt_[0-9A-Za-z]+"/, `"id": "${eventId}"`)
    .replace(/\n {2}"created": \d+,/, `\n  "created": ${created},`);
  return { eventId, event: JSON.parse(text) as Json, body: Buffer.from(text, 'utf8') };
}

/**
 * The event as a later API version renders it: `api_version` of the 2025-03-31 release, in which a
 * PaymentIntent no longer embeds its `charges` (listed events keep the version they were created
 * with, so a reconciliation meets old and new shapes side by side).
 */
export function inLaterApiVersion(event: Json): Json {
  const copy = structuredClone(event);
  copy.api_version = '2025-03-31.basil';
  const object = (copy.data as { object: Json }).object;
  if (object.object === 'payment_intent') delete object.charges;
  return copy;
}

/** Razorpay's payment entity from its published `payment.captured` sample. */
export const razorpayPaymentEntity = (): Json =>
  (fixtureJson('razorpay', 'payment.captured.card') as { payload: { payment: { entity: Json } } }).payload
    .payment.entity;

/** A payment of Razorpay's payments list: the published entity with these fields replaced. */
export function razorpayPayment(fields: {
  id: string;
  status: string;
  amount: number;
  createdAt: number;
  amountRefunded?: number;
  refundStatus?: 'partial' | 'full' | null;
}): Json {
  return {
    ...razorpayPaymentEntity(),
    id: fields.id,
    status: fields.status,
    amount: fields.amount,
    amount_refunded: fields.amountRefunded ?? 0,
    refund_status: fields.refundStatus ?? null,
    captured: fields.status === 'captured' || fields.status === 'refunded',
    created_at: fields.createdAt,
  };
}

/** A fresh Razorpay payment id. */
export const razorpayPaymentId = () =>
  `pay_${randomBytes(10).toString('base64url').replace(/[-_]/g, 'x').slice(0, 14)}`;

/**
 * Razorpay's published webhook sample `name` (a payment event) about payment `paymentId`: the
 * sample's bytes with its payment id replaced, as Razorpay would send it for that payment.
 */
export function razorpayWebhookFor(name: string, paymentId: string): Buffer {
  const text = fixtureBytes('razorpay', name).toString('utf8');
  const replaced = text.replaceAll('pay_DESp9bgForNoUd', paymentId);
  if (replaced === text) throw new Error(`${name} names no pay_DESp9bgForNoUd`);
  return Buffer.from(replaced, 'utf8');
}
