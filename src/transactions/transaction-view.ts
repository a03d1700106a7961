import type { TransactionSummary } from '../domain/transaction-query.js';
import type { TransactionView } from '../http/schemas.js';

/**
 * The public JSON view of a stored transaction (snake_case, ISO 8601 UTC timestamps). The raw
 * payload is not part of it, so a list page's summary renders the same as a full record.
 */
export function toTransactionView(record: TransactionSummary): TransactionView {
  return {
    transaction_id: record.transactionId,
    source_account: record.sourceAccount,
    destination_account: record.destinationAccount,
    amount: record.amount,
    currency: record.currency,
    provider: record.provider,
    event_type: record.eventType,
    payment_id: record.paymentId,
    payment_status: record.paymentStatus,
    status: record.status,
    created_at: record.createdAt.toISOString(),
    processed_at: record.processedAt ? record.processedAt.toISOString() : null,
    attempts: record.attempts,
    last_error: record.lastError,
    delivery_id: record.deliveryId,
    received_via: record.receivedVia,
  };
}
