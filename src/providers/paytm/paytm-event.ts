import type { PaymentStatus } from '../../domain/payment-status.js';
import type { ProviderEvent } from '../../domain/provider-event.js';
import {
  type Loc,
  optionalCurrency,
  optionalIdentifier,
  requireIdentifier,
  requireMajorUnitAmount,
  requireNonEmptyString,
} from '../envelope-fields.js';
import { derivedEventId } from '../event-identity.js';
import type { FormFields } from '../form-fields.js';
import { statusFrom } from '../status-table.js';
import { noPaymentFacts, unmappedEvent } from '../unmapped-event.js';

const at = (name: string): Loc => ['body', name];

/** A payment's `STATUS`. `PENDING` says nothing yet. */
const PAYMENT_STATUS = new Map<string, PaymentStatus>([
  ['TXN_SUCCESS', 'captured'],
  ['TXN_FAILURE', 'failed'],
]);

/**
 * The identity of a Paytm payment notification: Paytm sends no event id, so `TXNID` (Paytm's
 * transaction id) and `STATUS`, the same on every retry
 * (`paytm:20200508111212800110168470101509706:TXN_SUCCESS`, see `derivedEventId`). Throws
 * `EnvelopeError` when either is missing or `TXNID` is not an identifier.
 */
export function paytmEventId(fields: FormFields): string {
  const txnId = requireIdentifier(fields.get('TXNID'), at('TXNID'));
  return derivedEventId('paytm', [txnId, requireNonEmptyString(fields.get('STATUS'), at('STATUS'))]);
}

/**
 * The event a Paytm payment notification carries, from its form fields, under `eventId` (default
 * {@link paytmEventId}). Pure. Throws `EnvelopeError` for a form without `TXNID` or `STATUS`, or
 * whose `TXNAMOUNT` is not rupees with at most two decimals.
 *
 * `eventType` is `STATUS` as Paytm sends it (`TXN_SUCCESS`, `TXN_FAILURE`, `PENDING`); `paymentId`
 * `TXNID`; `amount` `TXNAMOUNT` (rupees as text, `1.00`) in paise; `currency` `CURRENCY`, INR when
 * absent; `destinationAccount` the merchant's `MID`; `sourceAccount` `CUSTID` when sent. Payment
 * status: `TXN_SUCCESS` → captured, `TXN_FAILURE` → failed, anything else → null.
 */
export function mapPaytmEvent(fields: FormFields, eventId = paytmEventId(fields)): ProviderEvent {
  const status = requireNonEmptyString(fields.get('STATUS'), at('STATUS'));
  const amount = requireMajorUnitAmount(fields.get('TXNAMOUNT'), at('TXNAMOUNT'));
  const currency = optionalCurrency(fields.get('CURRENCY'), at('CURRENCY')) ?? 'INR';
  return {
    ...unmappedEvent('paytm', eventId, status),
    paymentId: requireIdentifier(fields.get('TXNID'), at('TXNID')),
    paymentStatus: statusFrom(PAYMENT_STATUS, status),
    amount,
    currency,
    sourceAccount: optionalIdentifier(fields.get('CUSTID'), at('CUSTID')),
    destinationAccount: optionalIdentifier(fields.get('MID'), at('MID')),
    facts: { ...noPaymentFacts(), paymentAmount: amount, paymentCurrency: currency },
  };
}
