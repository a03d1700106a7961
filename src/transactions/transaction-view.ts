import type { TransactionRecord } from '../domain/transaction.js';
import type { TransactionView } from '../http/schemas.js';

/** The public JSON view of a stored transaction (snake_case, ISO 8601 UTC timestamps). */
export function toTransactionView(record: TransactionRecord): TransactionView {
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
  };
}
