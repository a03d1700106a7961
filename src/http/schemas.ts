import { type Static, Type } from '@sinclair/typebox';
import { TRANSACTION_STATUSES } from '../domain/transaction.js';

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

/** A transaction's live status. */
export const TransactionView = Type.Object({
  transaction_id: Type.String(),
  source_account: Type.String(),
  destination_account: Type.String(),
  amount: Type.Number(),
  currency: Type.String(),
  status: Status,
  created_at: Timestamp,
  processed_at: Type.Union([Timestamp, Type.Null()], { description: 'Set once PROCESSED' }),
  attempts: Type.Integer({ description: 'Processing attempts so far' }),
  last_error: Type.Union([Type.String(), Type.Null()], { description: 'Last handler error, if any' }),
  delivery_id: Type.Union([Type.String(), Type.Null()], {
    description: "The provider's delivery id (x-razorpay-event-id or webhook-id), if sent",
  }),
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
