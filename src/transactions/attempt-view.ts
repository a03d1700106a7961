import type { AttemptOutcome, TransactionAttempt } from '../domain/transaction-attempt.js';

/** Most attempts one answer lists: the latest ones, oldest first. */
export const MAX_LISTED_ATTEMPTS = 1000;

/** The public JSON view of one attempt (snake_case, ISO 8601 UTC timestamps). */
export interface AttemptView {
  attempt: number;
  started_at: string;
  /** Null while the attempt runs. */
  finished_at: string | null;
  duration_ms: number | null;
  /** Null while the attempt runs. */
  outcome: AttemptOutcome | null;
  error: string | null;
  http_status: number | null;
  response_excerpt: string | null;
}

/** An attempt as the API and the command line show it. */
export function toAttemptView(attempt: TransactionAttempt): AttemptView {
  return {
    attempt: attempt.attempt,
    started_at: attempt.startedAt.toISOString(),
    finished_at: attempt.finishedAt ? attempt.finishedAt.toISOString() : null,
    duration_ms: attempt.durationMs,
    outcome: attempt.outcome,
    error: attempt.error,
    http_status: attempt.httpStatus,
    response_excerpt: attempt.responseExcerpt,
  };
}
