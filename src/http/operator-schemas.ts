import { type TSchema, Type } from '@sinclair/typebox';
import { RECEIVED_VIA, TRANSACTION_STATUSES } from '../domain/transaction.js';
import { OPEN_STATUSES } from '../domain/transaction-query.js';
import { MAX_PAGE_SIZE } from '../transactions/transaction-page.js';
import { TransactionView } from './schemas.js';

// Query values arrive as text (the app never coerces types), so every filter is declared as a
// string here and parsed once by `parseFilterInput`, which reports FastAPI-shaped field errors.
const Text = (description: string, maxLength = 128) => Type.String({ minLength: 1, maxLength, description });

const Enum = (values: readonly string[], description: string) =>
  Type.Unsafe<string>({ type: 'string', enum: [...values], description });

/** The list's filters, shared by `GET /v1/transactions` and the bodies of the bulk retry and replay; `providers` are the registered names. */
export const filterFields = (providers: readonly string[]) => ({
  status: Type.Optional(Enum(TRANSACTION_STATUSES, 'Only transactions in this status')),
  provider: Type.Optional(Enum(providers, "Only this provider's events")),
  event_type: Type.Optional(Text('Only this event type, as the provider names it (payment.captured)')),
  payment_id: Type.Optional(Text("Only this payment's events (pay_…, pi_…)")),
  created_after: Type.Optional(
    Text(
      'Created at or after: ISO 8601 with a time zone (2026-11-25T10:30:00Z), or a date (midnight UTC)',
      64,
    ),
  ),
  created_before: Type.Optional(Text('Created before (exclusive), same formats as created_after', 64)),
  received_via: Type.Optional(
    Enum(RECEIVED_VIA, 'Only events delivered as webhooks, or only those recovered by reconciliation'),
  ),
});

/** `GET /v1/transactions` query. Unknown parameters are refused, so a misspelt filter never lists everything. */
export const listQuery = (providers: readonly string[]) =>
  Type.Object(
    {
      ...filterFields(providers),
      limit: Type.Optional(Text(`Rows per page, 1 to ${MAX_PAGE_SIZE}; default 50`, 16)),
      cursor: Type.Optional(Text("The previous page's next_cursor; valid only with the same filters", 1024)),
    },
    { additionalProperties: false },
  );

/** One page of the list. */
export const TransactionPageView = Type.Object({
  items: Type.Array(TransactionView, {
    description: 'Newest first; each as GET /v1/transactions/{id} shows it',
  }),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as cursor for the next page; null on the last page',
  }),
});

/** `POST /v1/transactions/retry` body. Unknown fields are refused, so a misspelt filter never retries everything. */
export const retryBody = (providers: readonly string[]) =>
  Type.Object(
    {
      ...filterFields(providers),
      status: Type.Optional(Enum(['FAILED'], 'Only FAILED transactions are ever retried; FAILED or absent')),
      ids: Type.Optional(
        Type.Array(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' }), {
          minItems: 1,
          maxItems: MAX_PAGE_SIZE,
          uniqueItems: true,
          description: `These transactions (at most ${MAX_PAGE_SIZE}), those that are FAILED; not with the filters`,
        }),
      ),
      dry_run: Type.Optional(
        Type.Boolean({ description: 'Count the matching FAILED transactions; change nothing' }),
      ),
    },
    { additionalProperties: false },
  );

/** Answer to a dry run. */
export const RetryMatched = Type.Object({
  matched: Type.Integer({ description: 'FAILED transactions matching' }),
});
/** Answer to a bulk retry. */
export const RetryRequeued = Type.Object({
  requeued: Type.Integer({ description: 'FAILED transactions moved back to RECEIVED' }),
});

const counts = <K extends string>(keys: readonly K[]) =>
  Type.Object(Object.fromEntries(keys.map((k) => [k, Type.Integer()])) as unknown as Record<K, TSchema>);

/** `GET /v1/stats`, with a row for each of the registered `providers`. */
export const statsViewSchema = (providers: readonly string[]) =>
  Type.Object({
    by_status: counts(TRANSACTION_STATUSES),
    total: Type.Integer(),
    oldest_received_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'Creation time of the oldest RECEIVED transaction (waiting or in retry backoff)',
    }),
    oldest_received_age_seconds: Type.Union([Type.Number(), Type.Null()]),
    failed_last_hour: Type.Integer({
      description: 'FAILED transactions whose last attempt failed in the last hour',
    }),
    by_provider: Type.Object(
      Object.fromEntries(providers.map((p) => [p, counts(OPEN_STATUSES)])) as Record<string, TSchema>,
      {
        description: 'RECEIVED, PROCESSING and FAILED per provider (original-contract webhooks are in none)',
        // A provider no longer registered may still have rows: its counts are shown too.
        additionalProperties: counts(OPEN_STATUSES),
      },
    ),
    as_of: Type.String({ format: 'date-time' }),
  });

/** The raw payload: the body as received, sent as is (Fastify does not serialise a string again). */
export const RawPayload = Type.String({
  description: 'The webhook body exactly as received: JSON, or a form (application/x-www-form-urlencoded)',
});

/** The answer to an erasure: no content. */
export const PayloadErased = Type.Null({ description: 'The payload is erased; the transaction stays' });
