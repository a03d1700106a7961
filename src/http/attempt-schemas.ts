import { Type } from '@sinclair/typebox';
import { ATTEMPT_OUTCOMES, RESPONSE_EXCERPT_MAX_BYTES } from '../domain/transaction-attempt.js';
import { MAX_LISTED_ATTEMPTS } from '../transactions/attempt-view.js';

const Timestamp = Type.String({ format: 'date-time', description: 'UTC, ISO 8601' });
const Nullable = <T extends import('@sinclair/typebox').TSchema>(schema: T, description: string) =>
  Type.Union([schema, Type.Null()], { description });

/** One attempt of a transaction. */
export const AttemptViewSchema = Type.Object({
  attempt: Type.Integer({
    description: '1, 2, …: numbered on across retries and replays (unlike the retry budget `attempts`)',
  }),
  started_at: Timestamp,
  finished_at: Nullable(Timestamp, 'When its outcome was recorded; null while it runs'),
  duration_ms: Nullable(Type.Integer(), 'finished_at - started_at; null while it runs'),
  outcome: Nullable(
    Type.Union(ATTEMPT_OUTCOMES.map((o) => Type.Literal(o))),
    'succeeded, retrying, failed, or interrupted (the worker died, lost its lease, or shut down, before an outcome); null while it runs',
  ),
  error: Nullable(Type.String(), "The handler's error, or why the attempt was interrupted"),
  http_status: Nullable(Type.Integer(), 'What the receiver answered, for a forwarded delivery'),
  response_excerpt: Nullable(
    Type.String(),
    `The start of the receiver's answer, at most ${RESPONSE_EXCERPT_MAX_BYTES} bytes of UTF-8, cut between characters`,
  ),
});

/** `GET /v1/transactions/{id}/attempts`. */
export const AttemptListSchema = Type.Object({
  items: Type.Array(AttemptViewSchema, {
    description: `Oldest first; the latest ${MAX_LISTED_ATTEMPTS} at most`,
  }),
});
