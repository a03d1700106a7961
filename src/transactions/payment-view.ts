import { derivePaymentState, type PaymentEventRecord, type PaymentState } from '../domain/payment-state.js';
import type { ProviderEvent } from '../domain/provider-event.js';
import type { TransactionRecord } from '../domain/transaction.js';
import type { PaymentView } from '../http/schemas.js';
import type { TransactionStore } from '../store/transaction-store.js';

/** Most events read for one payment; real payments have a handful (authorized, captured, refunds). */
export const MAX_PAYMENT_EVENTS = 1000;

/** Re-reads a stored provider event (see `StoredEventMapper`); null when the record is not one. */
export type StoredEventReader = (record: TransactionRecord) => ProviderEvent | null;

/**
 * The state of payment `paymentId` from its stored events (see `derivePaymentState`), or null
 * when no event names it. Each event is re-read from its stored payload, which holds what the
 * record's columns do not (refund ids, refunded totals).
 */
export async function readPayment(
  store: TransactionStore,
  readEvent: StoredEventReader,
  paymentId: string,
): Promise<PaymentState | null> {
  const records = await store.findByPayment(paymentId, MAX_PAYMENT_EVENTS);
  const events: PaymentEventRecord[] = [];
  for (const record of records) {
    const event = readEvent(record);
    if (event) events.push({ event, status: record.status, receivedAt: record.createdAt });
  }
  return derivePaymentState(paymentId, events);
}

/** The public JSON view of a payment (snake_case, ISO 8601 UTC timestamps). */
export function toPaymentView(state: PaymentState): PaymentView {
  return {
    payment_id: state.paymentId,
    provider: state.provider,
    payment_status: state.paymentStatus,
    amount: state.amount,
    currency: state.currency,
    amount_refunded: state.amountRefunded,
    events: state.events.map(({ event, status, receivedAt }) => ({
      transaction_id: event.eventId,
      event_type: event.eventType,
      status,
      created_at: receivedAt.toISOString(),
    })),
  };
}
