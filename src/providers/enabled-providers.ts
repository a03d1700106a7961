import type { ProvidersConfig } from '../config.js';
import type { Provider, ProviderEvent } from '../domain/provider-event.js';
import type { TransactionRecord } from '../domain/transaction.js';
import { razorpayProvider } from './razorpay/razorpay-provider.js';
import { STORED_EVENT_MAPPERS } from './stored-event-mappers.js';
import { stripeProvider } from './stripe/stripe-provider.js';
import { noPaymentFacts } from './unmapped-event.js';
import type { WebhookProvider } from './webhook-provider.js';

/** The providers whose secrets are configured, by name: the endpoints that accept deliveries. */
export function enabledProviders(config: ProvidersConfig): Map<Provider, WebhookProvider> {
  const providers = new Map<Provider, WebhookProvider>();
  if (config.razorpay) providers.set('razorpay', razorpayProvider(config.razorpay));
  if (config.stripe) providers.set('stripe', stripeProvider(config.stripe));
  return providers;
}

/**
 * Both providers name refund events `refund.*` (Razorpay; Stripe's Refund object) or
 * `charge.refund.*` (Stripe): their amount is the refund's, every other event's is the payment's.
 */
const REFUND_EVENT = /(^|\.)refund\./;

/**
 * A stored provider event re-read from its payload by its provider's mapping; null for a record
 * of the original contract. The payload was verified and mapped by the same function when it
 * arrived. Once the payload is erased (retention, or on request), or should a later version's
 * mapping refuse it, the record's own columns stand in: the payment's status, and its amount and
 * currency from any event that is not a refund's; refund ids and refunded totals, which only the
 * payload holds, are then unknown.
 */
export function readStoredEvent(record: TransactionRecord): ProviderEvent | null {
  const provider = record.provider;
  if (provider === null) return null;
  if (record.payload !== null) {
    try {
      return STORED_EVENT_MAPPERS[provider](JSON.parse(record.payload), record.transactionId);
    } catch {
      // The columns below.
    }
  }
  return {
    provider,
    eventId: record.transactionId,
    eventType: record.eventType ?? '',
    paymentId: record.paymentId,
    paymentStatus: record.paymentStatus,
    amount: record.amount,
    currency: record.currency,
    sourceAccount: record.sourceAccount,
    destinationAccount: record.destinationAccount,
    facts: REFUND_EVENT.test(record.eventType ?? '')
      ? noPaymentFacts()
      : { ...noPaymentFacts(), paymentAmount: record.amount, paymentCurrency: record.currency },
  };
}
