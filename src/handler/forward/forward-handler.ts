import type { ForwardConfig } from '../../config.js';
import { STANDARD_WEBHOOKS_SECRET_PREFIX } from '../../http/signatures/standard-webhooks-signature.js';
import type { Logger } from '../../logger.js';
import {
  type AttemptReport,
  PermanentError,
  type ProcessTransaction,
  RetryableError,
} from '../process-transaction.js';
import { ForwardClient, type ForwardResult } from './forward-client.js';
import { forwardMessage } from './forward-message.js';
import type { ForwardOutcome } from './forward-outcome.js';
import { redact } from './forward-target.js';

/** Options of {@link createForwardHandler}. */
export interface ForwardHandlerOptions {
  log: Logger;
  /** Called after every attempt that reached an outcome (not after one aborted by its signal). */
  onAttempt?: (outcome: ForwardOutcome, durationMs: number) => void;
}

/** The built-in forwarding handler, and the connection pool it owns. */
export interface ForwardHandler {
  /** The handler the worker runs for each transaction. */
  readonly process: ProcessTransaction;
  /** Closes the pool; call once the worker has stopped. */
  close(): Promise<void>;
}

/** The message kept as `last_error` for an answer or a failure. */
function describeResult(result: ForwardResult): string {
  if ('error' in result) return result.error;
  const redirect = result.location === undefined ? '' : ` (redirect to ${result.location}, not followed)`;
  const answer = result.answer.trim();
  return `HTTP ${result.status}${redirect}${answer ? `: ${answer}` : ''}`;
}

/**
 * The handler `FORWARD_URL` selects: POSTs each transaction to the receiver as signed JSON (see
 * {@link forwardMessage}) and maps the answer onto the worker's outcomes. A 2xx resolves
 * (PROCESSED). A permanent refusal (4xx other than 408, 425, 429) throws {@link PermanentError}
 * (FAILED at once). Anything else throws {@link RetryableError}, carrying the receiver's
 * `Retry-After` when it sent one, so the worker retries with backoff, never sooner. The thrown
 * message, which becomes `last_error`, holds the status and the start of the answer or the network
 * error, with the secret and the URL's credentials redacted. Every answered attempt reports its
 * status and the start of the answer (redacted the same way) for the attempt's record: resolved
 * with on a 2xx, attached to the error otherwise.
 *
 * The worker's abort signal (lease lost, shutdown) aborts a request in flight or the wait for a
 * slot; the handler then rejects with the signal's reason, as the worker expects.
 */
export function createForwardHandler(config: ForwardConfig, options: ForwardHandlerOptions): ForwardHandler {
  const client = new ForwardClient(config);
  const secrets = [
    config.secret,
    config.secret.slice(STANDARD_WEBHOOKS_SECRET_PREFIX.length),
    ...client.credentials,
  ];
  options.log.info(
    { target: client.target, concurrency: config.concurrency, timeoutMs: config.timeoutMs },
    'forwarding transactions',
  );
  const process: ProcessTransaction = async (transaction, { signal }) => {
    const result = await client.deliver(forwardMessage(transaction), signal);
    options.onAttempt?.(result.outcome, result.durationMs);
    const report: AttemptReport | undefined =
      'status' in result
        ? { httpStatus: result.status, responseExcerpt: redact(result.answer, secrets) }
        : undefined;
    if (result.outcome === '2xx') return report;
    const message = redact(describeResult(result), secrets);
    if (result.outcome === 'permanent') throw new PermanentError(message, { report });
    throw new RetryableError(message, result.outcome === 'retryable' ? result.retryAfterMs : undefined, {
      report,
    });
  };
  return { process, close: () => client.close() };
}
