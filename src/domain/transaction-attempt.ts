/**
 * One run of the handler for a transaction, as kept in its history. Every claim opens an attempt and
 * the outcome the worker records closes it, in the same statement or transaction as the
 * transaction's own change. Attempts are numbered 1, 2, … per transaction and the numbering goes on
 * across retries and replays, while the transaction's `attempts` (its retry budget against
 * `MAX_ATTEMPTS`) starts afresh on a replay: the two count different things.
 */

/**
 * How an attempt ended: `succeeded` (the transaction became PROCESSED), `retrying` (a retry was
 * scheduled), `failed` (the transaction became FAILED), `interrupted` (no outcome was recorded: the
 * worker died or lost its lease and the recovery reclaimed the transaction, or the worker was shut
 * down and gave the lease back).
 */
export const ATTEMPT_OUTCOMES = ['succeeded', 'retrying', 'failed', 'interrupted'] as const;

/** How an attempt ended. */
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** The most of a downstream's answer kept with an attempt, in bytes of UTF-8. */
export const RESPONSE_EXCERPT_MAX_BYTES = 1024;

/** The error of an attempt closed when the recovery reclaimed an expired lease. */
export const LEASE_EXPIRED_ERROR =
  'interrupted: the lease expired with no outcome recorded (the worker died, stalled or lost the lease); the recovery reclaimed the transaction';

/** The error of an attempt whose lease the worker gave back at shutdown. */
export const RELEASED_AT_SHUTDOWN_ERROR =
  'interrupted: the worker shut down before the handler finished and gave the transaction back (RECEIVED); this attempt does not count against MAX_ATTEMPTS';

/** One attempt as the store keeps it. */
export interface TransactionAttempt {
  transactionId: string;
  /** 1, 2, …: continues across retries and replays. */
  attempt: number;
  /** When the attempt began (the claim). */
  startedAt: Date;
  /** When its outcome was recorded; null while it runs. */
  finishedAt: Date | null;
  /** `finishedAt - startedAt` in milliseconds; null while it runs. */
  durationMs: number | null;
  /** Null while it runs. */
  outcome: AttemptOutcome | null;
  /** The handler's error (or why it was interrupted); null when it succeeded. */
  error: string | null;
  /** What the downstream answered, for an attempt that was an HTTP call (a forwarded delivery). */
  httpStatus: number | null;
  /** The start of the downstream's answer, at most {@link RESPONSE_EXCERPT_MAX_BYTES}. */
  responseExcerpt: string | null;
}

/** What a handler reported about the downstream's answer, kept with the attempt. */
export interface AttemptResponse {
  httpStatus: number | null;
  responseExcerpt: string | null;
}

/** No answer to report (not an HTTP call, or no answer came). */
export const NO_RESPONSE: AttemptResponse = { httpStatus: null, responseExcerpt: null };

/**
 * The longest start of `bytes` that is whole UTF-8 characters and at most `maxBytes` long: a cut
 * never splits a character. `bytes` may itself end inside a character (an answer read only in part).
 */
export function utf8Prefix(bytes: Uint8Array, maxBytes: number): Buffer {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = Math.min(buffer.length, maxBytes);
  // Back up over continuation bytes (10xxxxxx) to the start of the character the cut falls in.
  let start = end;
  while (start > 0 && (buffer[start - 1]! & 0xc0) === 0x80) start--;
  if (start > 0) {
    const lead = buffer[start - 1]!;
    const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    // The last character is whole only if all of its bytes lie before the cut.
    if (start - 1 + length > end) end = start - 1;
  }
  return buffer.subarray(0, end);
}

/**
 * `text` cut to at most `maxBytes` bytes of UTF-8 on a character boundary (the whole of it when it
 * fits). Applied to every excerpt a handler reports, so the limit holds whoever wrote the handler.
 */
export function responseExcerpt(text: string, maxBytes = RESPONSE_EXCERPT_MAX_BYTES): string {
  // At most 3 bytes per UTF-16 unit: a short string cannot exceed the limit.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  return utf8Prefix(bytes, maxBytes).toString('utf8');
}

/**
 * The response details from whatever a handler returned or attached to its error: an HTTP status
 * (an integer from 100 to 599) and an excerpt (text, cut to {@link RESPONSE_EXCERPT_MAX_BYTES}).
 * Anything else, a handler that returns nothing included, reports no response.
 */
export function attemptResponseOf(value: unknown): AttemptResponse {
  if (typeof value !== 'object' || value === null) return NO_RESPONSE;
  const { httpStatus, responseExcerpt: excerpt } = value as Record<string, unknown>;
  const status =
    typeof httpStatus === 'number' && Number.isInteger(httpStatus) && httpStatus >= 100 && httpStatus <= 599
      ? httpStatus
      : null;
  return {
    httpStatus: status,
    responseExcerpt: typeof excerpt === 'string' ? responseExcerpt(excerpt) : null,
  };
}
