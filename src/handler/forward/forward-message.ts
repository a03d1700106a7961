import { parseStoredPayload } from '../../domain/stored-payload.js';
import type { TransactionRecord } from '../../domain/transaction.js';
import { toTransactionView } from '../../transactions/transaction-view.js';

/** One delivery to the receiver: its Standard Webhooks id and its JSON body. */
export interface ForwardMessage {
  /** The `webhook-id` header. */
  id: string;
  /** The request body, as sent and signed. */
  body: string;
}

/**
 * The `webhook-id` of a transaction's deliveries: `msg_` and the base64url of its `transaction_id`.
 * The same for every attempt, from every worker process, so the receiver can deduplicate by it; and
 * free of `.`, which the spec forbids in ids because the signed text joins id, timestamp and body
 * with dots (a `transaction_id` may contain dots).
 */
export function forwardMessageId(transactionId: string): string {
  return `msg_${Buffer.from(transactionId, 'utf8').toString('base64url')}`;
}

/**
 * The message for `record`: the transaction as `GET /v1/transactions/{id}` shows it, with the
 * webhook the provider sent, parsed, under `payload`. Built from the API's own view, so fields the
 * view gains are forwarded too. The stored payload is the request body the API validated: JSON, or
 * a gateway's form, forwarded as an object of its fields; `payload` is null once it was erased (a
 * FAILED transaction requeued after its payload's retention).
 */
export function forwardMessage(record: TransactionRecord): ForwardMessage {
  const body = JSON.stringify({
    ...toTransactionView(record),
    payload: parseStoredPayload(record.payload),
  });
  return { id: forwardMessageId(record.transactionId), body };
}
