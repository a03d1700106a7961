import { setTimeout as sleep } from 'node:timers/promises';
import type { TransactionRecord } from '../domain/transaction.js';
import type { Logger } from '../logger.js';
import type { WebhookEvent } from './webhook-event.js';

/** What the worker hands the processing handler besides the transaction. */
export interface ProcessingContext {
  /**
   * Aborted when this worker no longer owns the transaction (its lease was lost) or is shutting down
   * past its grace period. Pass it to every call that accepts a signal; stop work when it fires.
   */
  signal: AbortSignal;
  /** A logger bound to the transaction id and the request id that created it. */
  log: Logger;
  /** This attempt's number, starting at 1. */
  attempt: number;
  /** `PROCESS_DELAY_SECONDS` in milliseconds: how long the default handler waits. */
  processDelayMs: number;
  /**
   * The webhook behind the transaction: which provider sent which event type about which payment,
   * and its parsed body, so the handler can act per event type.
   */
  event: WebhookEvent;
}

/**
 * What a handler may report about the call it made, kept with the attempt in the transaction's
 * history (`GET /v1/transactions/{id}/attempts`). Resolve with it, or attach it to the error thrown
 * as `report` (see {@link PermanentError}, {@link RetryableError}); a handler that resolves with
 * nothing reports nothing, and works as before.
 */
export interface AttemptReport {
  /** The HTTP status the downstream answered (100 to 599; anything else is not kept). */
  httpStatus?: number;
  /** The start of the downstream's answer; kept up to 1,024 bytes of UTF-8, cut between characters. */
  responseExcerpt?: string;
}

/** Options of the errors a handler throws. */
export interface HandlerErrorOptions extends ErrorOptions {
  /** What the downstream answered, kept with the attempt. */
  report?: AttemptReport;
}

/** The shape of a processing handler. */
export type ProcessTransaction = (
  transaction: TransactionRecord,
  context: ProcessingContext,
  // biome-ignore lint/suspicious/noConfusingVoidType: handlers written as `Promise<void>` must still fit.
) => Promise<void | AttemptReport>;

/**
 * Throw this from a handler when retrying cannot help (the payment was rejected, the data is
 * invalid): the transaction becomes FAILED at once. Any other error is retried with backoff until
 * `MAX_ATTEMPTS`.
 */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  /** What the downstream answered, kept with the attempt. */
  readonly report: AttemptReport | undefined;

  constructor(message: string, options: HandlerErrorOptions = {}) {
    super(message, options);
    this.report = options.report;
  }
}

/**
 * Throw this from a handler when the downstream said when to come back (an HTTP `Retry-After`):
 * the next attempt waits at least `retryAfterMs` (at most `RETRY_MAX_SECONDS`), and never less than
 * the usual backoff. Without `retryAfterMs` it is retried like any other error.
 */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  /** What the downstream answered, kept with the attempt. */
  readonly report: AttemptReport | undefined;

  constructor(
    message: string,
    /** The least wait before the next attempt, in milliseconds. */
    readonly retryAfterMs?: number,
    options: HandlerErrorOptions = {},
  ) {
    super(message, options);
    this.report = options.report;
  }
}

/**
 * The business step run once per transaction, after the webhook was acknowledged. Replace the body
 * with your own logic (confirm with the payment gateway, settle, notify), or point `HANDLER_MODULE`
 * at a module that exports a function named `processTransaction` with this signature.
 *
 * The default waits `PROCESS_DELAY_SECONDS` to stand in for a slow external call, as the original
 * service did.
 *
 * Contract: it may run more than once for one transaction (a worker can die after the work but
 * before recording completion, or an operator can replay it), so make it idempotent, e.g. by passing
 * `transaction.transactionId` as the idempotency key of every call it makes. Resolve when done
 * (optionally with an {@link AttemptReport}); throw to retry.
 */
export const processTransaction: ProcessTransaction = async (_transaction, { signal, processDelayMs }) => {
  await sleep(processDelayMs, undefined, { signal });
};
