import { type Dispatcher, Pool } from 'undici';
import { RESPONSE_EXCERPT_MAX_BYTES, utf8Prefix } from '../../domain/transaction-attempt.js';
import {
  STANDARD_WEBHOOKS_HEADERS,
  signStandardWebhook,
  standardWebhooksKey,
} from '../../http/signatures/standard-webhooks-signature.js';
import type { ForwardMessage } from './forward-message.js';
import { type ForwardOutcome, outcomeOfStatus, retryAfterMs } from './forward-outcome.js';
import { RequestSlots } from './forward-slots.js';
import { type ForwardTarget, forwardTarget } from './forward-target.js';

/** Options of {@link ForwardClient}. */
export interface ForwardClientOptions {
  /** The receiver, `http(s)://[user:password@]host[:port]/path[?query]`. */
  url: string;
  /** The `whsec_<base64>` secret deliveries are signed with. */
  secret: string;
  /** Bound on one request, from the moment it has a slot until its answer's start is read. */
  timeoutMs: number;
  /** Requests in flight at once, at most; also the pool's connection count. */
  concurrency: number;
  /**
   * How much of an answer's body is kept (for the attempt's excerpt and `last_error`), in bytes,
   * cut between UTF-8 characters. Default 1,024 (`RESPONSE_EXCERPT_MAX_BYTES`).
   */
  answerBytes?: number;
}

/** An attempt the receiver answered. */
export interface ForwardAnswer {
  outcome: Exclude<ForwardOutcome, 'timeout' | 'network'>;
  status: number;
  /** The start of the answer's body, decoded as UTF-8 (at most `answerBytes`, whole characters). */
  answer: string;
  /** A redirect's `Location` (not followed). */
  location?: string;
  /** The wait the receiver asked for with `Retry-After`, on retryable answers. */
  retryAfterMs?: number;
  /** From having a slot until the answer's start was read. */
  durationMs: number;
}

/** An attempt that got no answer: the deadline passed, or the connection failed or broke. */
export interface ForwardFailure {
  outcome: 'timeout' | 'network';
  error: string;
  /** From having a slot until the request failed. */
  durationMs: number;
}

/** What one delivery attempt came to. */
export type ForwardResult = ForwardAnswer | ForwardFailure;

/** The deadline of one request passed; the reason its signal aborts with. */
class ForwardTimeout extends Error {
  override readonly name = 'ForwardTimeout';
}

// undici's own timeouts are set to the same bound as a backstop; they end the socket too.
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

const describeNetworkError = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}${cause}`;
};

/**
 * Sends signed deliveries to one receiver over a pool of kept-alive connections (undici). At most
 * `concurrency` requests are in flight; further callers wait for a slot, in order, and give up when
 * their signal aborts. Redirects are never followed. Each request is signed per Standard Webhooks
 * (`webhook-id`, `webhook-timestamp` of this attempt, `webhook-signature`), and bounded by
 * `timeoutMs` measured from the moment it has a slot: the wait for a slot does not count, so a
 * backlog never turns into timeouts.
 */
export class ForwardClient {
  readonly #target: ForwardTarget;
  readonly #key: Buffer;
  readonly #timeoutMs: number;
  readonly #answerBytes: number;
  readonly #slots: RequestSlots;
  readonly #pool: Pool;
  #closing: Promise<void> | undefined;

  constructor(options: ForwardClientOptions) {
    this.#target = forwardTarget(options.url);
    this.#key = standardWebhooksKey(options.secret);
    this.#timeoutMs = options.timeoutMs;
    this.#answerBytes = options.answerBytes ?? RESPONSE_EXCERPT_MAX_BYTES;
    this.#slots = new RequestSlots(options.concurrency);
    this.#pool = new Pool(this.#target.origin, {
      connections: options.concurrency,
      connectTimeout: options.timeoutMs,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  /** The receiver's URL without credentials, for logs. */
  get target(): string {
    return this.#target.display;
  }

  /** Credentials from the URL, to redact from anything shown. */
  get credentials(): readonly string[] {
    return this.#target.credentials;
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.#slots.held;
  }

  /**
   * Delivers `message` once. Resolves with the outcome, whatever the receiver did; rejects only
   * with `signal.reason` when `signal` aborts (while waiting for a slot or during the request,
   * which is then aborted).
   */
  async deliver(message: ForwardMessage, signal: AbortSignal): Promise<ForwardResult> {
    const release = await this.#slots.acquire(signal);
    const started = performance.now();
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new ForwardTimeout(`no answer within ${this.#timeoutMs} ms`)),
      this.#timeoutMs,
    );
    try {
      const result = await this.#send(message, AbortSignal.any([signal, deadline.signal]));
      return { ...result, durationMs: performance.now() - started };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const durationMs = performance.now() - started;
      const code = (error as { code?: unknown } | null)?.code;
      if (deadline.signal.aborted || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
        return { outcome: 'timeout', error: `no answer within ${this.#timeoutMs} ms`, durationMs };
      }
      return { outcome: 'network', error: describeNetworkError(error), durationMs };
    } finally {
      clearTimeout(timer);
      release();
    }
  }

  /** Closes the pool's connections once requests in flight are done. Safe to call again. */
  close(): Promise<void> {
    this.#closing ??= this.#pool.close();
    return this.#closing;
  }

  async #send(message: ForwardMessage, signal: AbortSignal): Promise<Omit<ForwardAnswer, 'durationMs'>> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const body = Buffer.from(message.body, 'utf8');
    const signature = signStandardWebhook(this.#key, message.id, timestamp, body);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [STANDARD_WEBHOOKS_HEADERS.id]: message.id,
      [STANDARD_WEBHOOKS_HEADERS.timestamp]: timestamp,
      [STANDARD_WEBHOOKS_HEADERS.signature]: `v1,${signature}`,
    };
    if (this.#target.authorization) headers.authorization = this.#target.authorization;
    const response = await this.#pool.request({
      method: 'POST',
      path: this.#target.path,
      headers,
      body,
      signal,
    });
    const answer = await this.#answerStart(response.body, signal);
    const status = response.statusCode;
    const outcome = outcomeOfStatus(status);
    const location = status >= 300 && status < 400 ? response.headers.location : undefined;
    return {
      outcome,
      status,
      answer,
      ...(typeof location === 'string' ? { location } : {}),
      ...(outcome === 'retryable'
        ? { retryAfterMs: retryAfterMs(response.headers['retry-after'], Date.now()) }
        : {}),
    };
  }

  /**
   * Up to `answerBytes` of the body, then the rest is dropped (which closes the connection when
   * more was coming), cut between characters. Once the status is known it decides the outcome: a
   * body cut short by the deadline or a broken connection only shortens the text kept.
   */
  async #answerStart(body: Dispatcher.ResponseData['body'], signal: AbortSignal): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= this.#answerBytes) break;
      }
    } catch (error) {
      if (signal.aborted && !(signal.reason instanceof ForwardTimeout)) throw error;
    } finally {
      body.destroy();
    }
    return utf8Prefix(Buffer.concat(chunks), this.#answerBytes).toString('utf8');
  }
}
