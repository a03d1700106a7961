import type { ProviderEvent } from '../domain/provider-event.js';
import type { NewTransaction, ReceivedVia } from '../domain/transaction.js';

/** How a provider's event reached the service, besides what the event itself says. */
export interface ProviderArrival {
  /** The event as received, JSON text: the delivery's body, or the API's copy of a recovered event. */
  payload: string;
  requestId: string | null;
  receivedAt: Date;
  /** Default `webhook`. */
  receivedVia?: ReceivedVia;
}

/**
 * The transaction a provider's mapped event is stored as, the same whether the event was delivered
 * to its endpoint or recovered from the provider's API: its event id is the transaction id, and the
 * mapped fields fill the record's.
 */
export function providerTransaction(event: ProviderEvent, arrival: ProviderArrival): NewTransaction {
  return {
    transactionId: event.eventId,
    sourceAccount: event.sourceAccount,
    destinationAccount: event.destinationAccount,
    amount: event.amount,
    currency: event.currency,
    provider: event.provider,
    eventType: event.eventType,
    paymentId: event.paymentId,
    paymentStatus: event.paymentStatus,
    payload: arrival.payload,
    deliveryId: null,
    requestId: arrival.requestId,
    receivedAt: arrival.receivedAt,
    receivedVia: arrival.receivedVia ?? 'webhook',
  };
}
