import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { PAYMENT_STATUSES } from '../domain/payment-status.js';
import { RECEIVED_VIA, TRANSACTION_STATUSES } from '../domain/transaction.js';

/** Identifier rule for transaction and account ids: 1-128 of `[A-Za-z0-9_.:-]`. */
const Identifier = (description: string) =>
  Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$', description });

const Status = Type.Union(
  TRANSACTION_STATUSES.map((s) => Type.Literal(s)),
  { description: 'RECEIVED -> PROCESSING -> PROCESSED; FAILED once retries are exhausted' },
);

const Timestamp = Type.String({ format: 'date-time', description: 'UTC, ISO 8601' });

/** The webhook body. Extra fields are accepted and kept with the stored raw payload. */
export const WebhookBody = Type.Object(
  {
    transaction_id: Identifier(
      'Unique per transaction; repeated deliveries with the same id are one transaction',
    ),
    source_account: Identifier('Paying account'),
    destination_account: Identifier('Receiving account'),
    amount: Type.Number({
      exclusiveMinimum: 0,
      description:
        'Greater than 0, at most 15 significant digits as written (trailing zeros do not count); stored and ' +
        'returned as the same decimal (1500.10 comes back as 1500.1). More digits, 0, negatives, strings: 422',
    }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, three uppercase letters' }),
  },
  { additionalProperties: true },
);
export type WebhookBody = Static<typeof WebhookBody>;

/** 202 answer to a webhook: the stored record's current status. */
export const WebhookAccepted = Type.Object({
  accepted: Type.Literal(true),
  transaction_id: Type.String(),
  status: Status,
});

/** Path parameters naming a transaction. */
export const TransactionParams = Type.Object({
  transaction_id: Identifier('The transaction id sent in the webhook'),
});
export type TransactionParams = Static<typeof TransactionParams>;

const Nullable = <T extends TSchema>(schema: T, description: string) =>
  Type.Union([schema, Type.Null()], { description });

/** A registered provider's name (`razorpay`, `payu`, …): which ones exist is the provider registry's business. */
export const ProviderName = Type.String({ description: 'The provider whose signed event this is' });

/** A payment's status in the one vocabulary of every provider. */
export const PaymentStatusName = Type.Union(
  PAYMENT_STATUSES.map((s) => Type.Literal(s)),
  {
    description:
      "authorized, captured (Stripe's succeeded, the Indian gateways' success), failed, partially_refunded, refunded",
  },
);

/** A transaction's live status. */
export const TransactionView = Type.Object({
  transaction_id: Type.String({
    description: "The original contract's transaction_id, or the provider's event id",
  }),
  source_account: Nullable(Type.String(), 'Paying account; null where a provider event does not say'),
  destination_account: Nullable(Type.String(), 'Receiving account; null where a provider event does not say'),
  amount: Nullable(
    Type.Number(),
    "As sent: the original contract's decimal, or a provider's integer in the currency's minor unit",
  ),
  currency: Nullable(Type.String(), 'ISO 4217, upper-case'),
  provider: Nullable(
    ProviderName,
    "The provider's registered name (razorpay, stripe, cashfree, …); null for the original endpoint",
  ),
  event_type: Nullable(Type.String(), 'The event type as the provider names it (payment.captured)'),
  payment_id: Nullable(Type.String(), 'The payment the event is about (pay_…, pi_…, a gateway payment id)'),
  payment_status: Nullable(PaymentStatusName, "What the event says the payment's status is"),
  status: Status,
  created_at: Timestamp,
  processed_at: Type.Union([Timestamp, Type.Null()], { description: 'Set once PROCESSED' }),
  attempts: Type.Integer({ description: 'Processing attempts so far' }),
  last_error: Type.Union([Type.String(), Type.Null()], { description: 'Last handler error, if any' }),
  delivery_id: Type.Union([Type.String(), Type.Null()], {
    description: "The provider's delivery id (x-razorpay-event-id or webhook-id), if sent",
  }),
  received_via: Type.Union(
    RECEIVED_VIA.map((v) => Type.Literal(v)),
    {
      description:
        "webhook: delivered to one of the service's endpoints; reconciliation: listed from the provider's API after its webhook never arrived",
    },
  ),
});
export type TransactionView = Static<typeof TransactionView>;

/** Answer to a requeue. */
export const RequeueAccepted = Type.Object({
  transaction_id: Type.String(),
  status: Status,
});

/** Health check, unchanged from the original service. */
export const Health = Type.Object({ status: Type.Literal('HEALTHY'), current_time: Timestamp });

/** The one error shape: `detail` is a message, or a list of field errors for a 422. */
export const ErrorBody = Type.Object({
  detail: Type.Union([
    Type.String(),
    Type.Array(
      Type.Object({
        loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
        msg: Type.String(),
        type: Type.String(),
      }),
    ),
  ]),
});

/** Path parameters naming a payment. */
export const PaymentParams = Type.Object({
  payment_id: Identifier("The provider's payment id (pay_…, pi_…, or a legacy charge's ch_…)"),
});

/** A payment's state, derived from every event received for it. */
export const PaymentView = Type.Object({
  payment_id: Type.String(),
  provider: ProviderName,
  payment_status: Nullable(
    PaymentStatusName,
    'The furthest status its events give it, in rank order: failed < authorized < captured < partially_refunded < refunded',
  ),
  amount: Nullable(
    Type.Integer(),
    "The payment's amount in the currency's minor unit, as its events state it",
  ),
  currency: Nullable(Type.String(), 'ISO 4217, upper-case'),
  amount_refunded: Type.Integer({ description: 'Refunded so far, in the minor unit' }),
  events: Type.Array(
    Type.Object({
      transaction_id: Type.String({ description: "The event's id, as in GET /v1/transactions/{id}" }),
      event_type: Type.String(),
      status: Status,
      created_at: Timestamp,
    }),
    { description: 'Its events, oldest first' },
  ),
});
export type PaymentView = Static<typeof PaymentView>;
