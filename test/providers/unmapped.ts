import type { PaymentFacts } from '../../src/domain/provider-event.js';

/** The facts of an event that says nothing about a payment. */
export const NO_FACTS: PaymentFacts = {
  paymentAmount: null,
  paymentCurrency: null,
  amountRefunded: null,
  refund: null,
};

/** The mapped fields of an event the mapping does not read: all null. */
export const UNMAPPED = {
  paymentId: null,
  paymentStatus: null,
  amount: null,
  currency: null,
  sourceAccount: null,
  destinationAccount: null,
  facts: NO_FACTS,
} as const;
