/**
 * One vocabulary for a payment's status, whichever provider reports it, in rank order: a payment
 * only ever moves to a higher rank. `failed` is lowest because both providers document that a
 * failed payment can still be authorized and captured later; `captured` never goes back to
 * `authorized` or `failed`; refunds come after capture. Stripe's `succeeded` is `captured` here.
 */
export const PAYMENT_STATUSES = [
  'failed',
  'authorized',
  'captured',
  'partially_refunded',
  'refunded',
] as const;

/** A payment's status in the service's vocabulary. */
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** The rank of `status`: higher is further along. */
export const paymentStatusRank = (status: PaymentStatus): number => PAYMENT_STATUSES.indexOf(status);

/**
 * The further along of two statuses (null counts as no information). Commutative and associative,
 * so folding it over a payment's events gives the same answer in every order of arrival.
 */
export function furtherStatus(a: PaymentStatus | null, b: PaymentStatus | null): PaymentStatus | null {
  if (a === null) return b;
  if (b === null) return a;
  return paymentStatusRank(a) >= paymentStatusRank(b) ? a : b;
}

/**
 * What a payment's refunded total says about it: `refunded` once it reaches the payment's amount,
 * `partially_refunded` below, null when nothing was refunded.
 */
export function refundedStatus(amount: number, amountRefunded: number): PaymentStatus | null {
  if (amountRefunded <= 0) return null;
  return amountRefunded >= amount ? 'refunded' : 'partially_refunded';
}
