import type { PaymentStatus } from '../domain/payment-status.js';
import type { Provider } from '../domain/provider-event.js';
import { parseStoredPayload } from '../domain/stored-payload.js';
import type { TransactionRecord } from '../domain/transaction.js';

/** What a handler is told about the webhook behind a transaction, for acting per event type. */
export interface WebhookEvent {
  /** The provider's registered name (`razorpay`, `payu`, …); null for the original contract's `POST /v1/webhooks/transactions`. */
  readonly provider: Provider | null;
  /** The event type as the provider names it (`payment.captured`); null for the original contract. */
  readonly type: string | null;
  /** The payment the event is about (`pay_…`, `pi_…`), when it names one. */
  readonly paymentId: string | null;
  /** What the event says the payment's status is (see the README's vocabulary). */
  readonly paymentStatus: PaymentStatus | null;
  /** In the currency's minor unit for a provider's event; the original contract's decimal otherwise. */
  readonly amount: number | null;
  readonly currency: string | null;
  /**
   * The body exactly as the sender posted it, parsed (on first read, then kept): the JSON value, or
   * a form's fields (PayU, Paytm) as an object of strings; null once it was erased
   * (`PAYLOAD_RETENTION_DAYS` or an erasure request), which only a FAILED transaction requeued
   * afterwards can meet. The fields above stay.
   */
  readonly payload: unknown;
}

/** The {@link WebhookEvent} of a stored transaction; its payload is parsed only if a handler reads it. */
export function webhookEventOf(record: TransactionRecord): WebhookEvent {
  let parsed: { value: unknown } | undefined;
  return {
    provider: record.provider,
    type: record.eventType,
    paymentId: record.paymentId,
    paymentStatus: record.paymentStatus,
    amount: record.amount,
    currency: record.currency,
    get payload() {
      // The stored payload is the body the API parsed when it arrived: JSON, or a gateway's form.
      parsed ??= { value: parseStoredPayload(record.payload) };
      return parsed.value;
    },
  };
}
