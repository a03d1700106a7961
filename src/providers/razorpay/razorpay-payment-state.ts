import { type PaymentStatus, refundedStatus } from '../../domain/payment-status.js';
import {
  type Loc,
  optionalAmount,
  optionalCurrency,
  optionalString,
  requireAmount,
  requireIdentifier,
  requireObject,
} from '../envelope-fields.js';
import { statusFrom } from '../status-table.js';

/** A payment as Razorpay's payments API states it now. */
export interface RazorpayPaymentState {
  /** `pay_…`. */
  id: string;
  /** In the currency's minor unit, as sent. */
  amount: number;
  /** Upper-case; null when the entity states none. */
  currency: string | null;
  /** Its state in the service's vocabulary; null for `created` and anything else outside it. */
  status: PaymentStatus | null;
  /** `created_at`. */
  createdAt: Date;
}

/** A payment's `status` as far as the vocabulary goes; `created` (nothing happened yet) is not in it. */
const STATUS = new Map<string, PaymentStatus>([
  ['authorized', 'authorized'],
  ['captured', 'captured'],
  ['failed', 'failed'],
  ['refunded', 'refunded'],
]);

/**
 * The state of a payment entity (`{"id":"pay_…","entity":"payment","amount":…,"status":…,
 * "amount_refunded":…,"created_at":…}`) as listed by `GET /v1/payments`: refunds decide when
 * there are any (`refunded` once `amount_refunded` reaches `amount`, else `partially_refunded`),
 * otherwise `status` (`captured`, `failed`, `authorized`). Throws `EnvelopeError` naming the field
 * when the entity lacks an id, an amount or a creation time.
 */
export function readRazorpayPaymentState(entity: unknown, loc: Loc): RazorpayPaymentState {
  const p = requireObject(entity, loc);
  const amount = requireAmount(p.amount, [...loc, 'amount']);
  const refunded = optionalAmount(p.amount_refunded, [...loc, 'amount_refunded']) ?? 0;
  const createdAt = requireAmount(p.created_at, [...loc, 'created_at']);
  return {
    id: requireIdentifier(p.id, [...loc, 'id']),
    amount,
    currency: optionalCurrency(p.currency, [...loc, 'currency']),
    status:
      refundedStatus(amount, refunded) ?? statusFrom(STATUS, optionalString(p.status, [...loc, 'status'])),
    createdAt: new Date(createdAt * 1000),
  };
}
