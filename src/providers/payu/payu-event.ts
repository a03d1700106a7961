import type { PaymentStatus } from '../../domain/payment-status.js';
import type { ProviderEvent } from '../../domain/provider-event.js';
import {
  type Loc,
  optionalIdentifier,
  optionalString,
  requireIdentifier,
  requireMajorUnitAmount,
  requireNonEmptyString,
} from '../envelope-fields.js';
import { derivedEventId } from '../event-identity.js';
import type { FormFields } from '../form-fields.js';
import { statusFrom } from '../status-table.js';
import { noPaymentFacts, unmappedEvent } from '../unmapped-event.js';

const at = (name: string): Loc => ['body', name];

/**
 * The identity of a PayU response: PayU sends no event id, so `mihpayid` (PayU's payment id) and
 * `status`, the same on every retry of the notification (`payu:403993715521937567:success`, see
 * `derivedEventId`). Throws `EnvelopeError` when either is missing or `mihpayid` is not an
 * identifier.
 */
export function payuEventId(fields: FormFields): string {
  const mihpayid = requireIdentifier(fields.get('mihpayid'), at('mihpayid'));
  return derivedEventId('payu', [mihpayid, requireNonEmptyString(fields.get('status'), at('status'))]);
}

/**
 * The event a PayU response carries, from its form fields, under `eventId` (default
 * {@link payuEventId}). Pure. Throws `EnvelopeError` for a form that lacks `mihpayid` or
 * `status`, or whose `amount` is not rupees with at most two decimals.
 *
 * `eventType` is `status` as PayU sends it (`success`, `failure`, `pending`); `paymentId`
 * `mihpayid`; `amount` the `amount` field (rupees as text, `40.00`) in paise; `currency` INR
 * (PayU's forms state none); `destinationAccount` the merchant `key`; `sourceAccount` null (the
 * form names the customer only by email and phone, which are never used as accounts).
 *
 * Payment status, from `status` and, for a success, `unmappedstatus` (PayU's internal state):
 * `success` → captured, or authorized when `unmappedstatus` is `auth` (authorised, to be captured
 * later); `failure` → failed; anything else (`pending`, …) → null.
 */
export function mapPayuEvent(fields: FormFields, eventId = payuEventId(fields)): ProviderEvent {
  const status = requireNonEmptyString(fields.get('status'), at('status'));
  const event = unmappedEvent('payu', eventId, status);
  const paymentId = requireIdentifier(fields.get('mihpayid'), at('mihpayid'));
  const amount = requireMajorUnitAmount(fields.get('amount'), at('amount'));
  const unmapped = optionalString(fields.get('unmappedstatus'), at('unmappedstatus'));
  const paymentStatus: PaymentStatus | null =
    status === 'success' && unmapped === 'auth' ? 'authorized' : statusFrom(PAYMENT_STATUS, status);
  return {
    ...event,
    paymentId,
    paymentStatus,
    amount,
    currency: 'INR',
    destinationAccount: optionalIdentifier(fields.get('key'), at('key')),
    facts: { ...noPaymentFacts(), paymentAmount: amount, paymentCurrency: 'INR' },
  };
}

/** A response's `status`. */
const PAYMENT_STATUS = new Map<string, PaymentStatus>([
  ['success', 'captured'],
  ['failure', 'failed'],
]);
