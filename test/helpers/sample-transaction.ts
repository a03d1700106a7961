import { randomUUID } from 'node:crypto';
import type { NewTransaction } from '../../src/domain/transaction.js';

/** A unique transaction id for a test, so tests sharing a store never collide. */
export const uniqueId = (prefix = 'txn') => `${prefix}_${randomUUID().replaceAll('-', '')}`;

/** A valid webhook body as the provider would send it. */
export function webhookBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    transaction_id: uniqueId(),
    source_account: 'acc_user_789',
    destination_account: 'acc_merchant_456',
    amount: 1500,
    currency: 'INR',
    ...overrides,
  };
}

/** A transaction as the store receives it. */
export function newTransaction(overrides: Partial<NewTransaction> = {}): NewTransaction {
  const transactionId = overrides.transactionId ?? uniqueId();
  return {
    transactionId,
    sourceAccount: 'acc_user_789',
    destinationAccount: 'acc_merchant_456',
    amount: 1500,
    currency: 'INR',
    provider: null,
    eventType: null,
    paymentId: null,
    paymentStatus: null,
    payload: JSON.stringify({ transaction_id: transactionId }),
    deliveryId: null,
    requestId: 'req-1',
    receivedAt: new Date(),
    ...overrides,
  };
}
