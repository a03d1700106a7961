import type { PaymentFacts, Provider, ProviderEvent } from '../domain/provider-event.js';

/** Facts of an event that says nothing about a payment: all null. */
export const noPaymentFacts = (): PaymentFacts => ({
  paymentAmount: null,
  paymentCurrency: null,
  amountRefunded: null,
  refund: null,
});

/**
 * Event `eventType` of `provider` under `eventId` with every mapped field null: what a verified
 * event the mapping does not read means (subscriptions, payouts, test pings), and what each
 * provider's mapping fills in from what its payload states.
 */
export const unmappedEvent = (provider: Provider, eventId: string, eventType: string): ProviderEvent => ({
  provider,
  eventId,
  eventType,
  paymentId: null,
  paymentStatus: null,
  amount: null,
  currency: null,
  sourceAccount: null,
  destinationAccount: null,
  facts: noPaymentFacts(),
});
