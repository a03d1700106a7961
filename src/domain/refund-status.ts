import { REFUND_STATUSES, type RefundStatus } from './provider-event.js';

/**
 * The further along of two statements of one refund's status, in the order of `REFUND_STATUSES`
 * (`pending` < `succeeded` < `failed`); null counts as no information. Commutative and
 * associative, like `furtherStatus` for payments.
 */
export function furtherRefundStatus(a: RefundStatus | null, b: RefundStatus | null): RefundStatus | null {
  if (a === null) return b;
  if (b === null) return a;
  return REFUND_STATUSES.indexOf(a) >= REFUND_STATUSES.indexOf(b) ? a : b;
}
