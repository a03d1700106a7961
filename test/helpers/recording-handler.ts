import type { ProcessTransaction } from '../../src/handler/process-transaction.js';
import type { WebhookEvent } from '../../src/handler/webhook-event.js';

/** A handler that counts its runs per transaction and keeps the event each run was given. */
export function recordingHandler() {
  const runs = new Map<string, number>();
  const events = new Map<string, WebhookEvent>();
  const handler: ProcessTransaction = async (transaction, { event }) => {
    runs.set(transaction.transactionId, (runs.get(transaction.transactionId) ?? 0) + 1);
    // Read the payload here, as a handler would: it is parsed on first use.
    void event.payload;
    events.set(transaction.transactionId, event);
  };
  return { runs, events, handler };
}
