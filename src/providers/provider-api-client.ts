import { Pool } from 'undici';

/** Bound on one request to a provider's API, from sending until the whole answer is read. */
export const PROVIDER_API_TIMEOUT_MS = 30_000;

/** Largest answer read from a provider's API: a page of 100 events is a few hundred kilobytes. */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** How much of a provider's own error message is kept. */
const MESSAGE_CHARS = 200;

/**
 * A request to a provider's API that did not give a usable answer: an HTTP status other than 2xx
 * (`status`), no answer (network, timeout: `status` null), or an answer that is not the documented
 * shape. The message names the provider, the request and what went wrong, and never a credential:
 * everything taken from outside (the provider's own error text, a network error) is redacted.
 */
export class ProviderApiError extends Error {
  override readonly name = 'ProviderApiError';

  constructor(
    message: string,
    /** The HTTP status, or null when there was no answer. */
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** Options of {@link ProviderApiClient}. */
export interface ProviderApiClientOptions {
  /** The provider's name as errors show it (`Stripe`). */
  name: string;
  /** The API's base URL (`https://api.stripe.com`, or a proxy's, with a path prefix if any). */
  base: string;
  /** The `Authorization` header sent with every request. */
  authorization: string;
  /** Values that must never appear in an error: the credentials behind `authorization`. */
  secrets: readonly string[];
  /** Default {@link PROVIDER_API_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/** Replaces every occurrence of each of `secrets` (longest first) in `text` with `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join('[redacted]');
  }
  return out;
}

/** The provider's own error text from a JSON error answer (`error.message`, `error.description`), if any. */
function providerMessage(body: string): string | null {
  try {
    const error = (JSON.parse(body) as { error?: Record<string, unknown> } | null)?.error;
    if (typeof error !== 'object' || error === null) return null;
    const text = [error.code, error.message ?? error.description].filter((v) => typeof v === 'string');
    return text.length > 0 ? text.join(': ') : null;
  } catch {
    return null;
  }
}

const describeNetworkError = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}${cause}`;
};

/**
 * GETs JSON from one provider's API over kept-alive connections (undici), authenticated with a
 * fixed header. No retries: a caller that gets an error ends its run and tries again at the next
 * one, which is what a provider answering 429 or 5xx asks for. A user and password in the base URL
 * are not sent (and are redacted like the credentials).
 */
export class ProviderApiClient {
  readonly #options: ProviderApiClientOptions;
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #secrets: string[];
  readonly #timeoutMs: number;

  constructor(options: ProviderApiClientOptions) {
    const base = new URL(options.base);
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? PROVIDER_API_TIMEOUT_MS;
    this.#prefix = base.pathname.replace(/\/+$/, '');
    this.#secrets = [
      ...options.secrets,
      options.authorization,
      decodeURIComponent(base.username),
      decodeURIComponent(base.password),
    ];
    this.#pool = new Pool(base.origin, {
      connections: 2,
      connectTimeout: this.#timeoutMs,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
  }

  /**
   * The parsed JSON answer of `GET <base><path>?<query>`. Throws {@link ProviderApiError} for any
   * answer but 2xx with JSON, for no answer within the timeout, and for a failed connection;
   * rejects with `signal.reason` when `signal` aborts.
   */
  async getJson(path: string, query: URLSearchParams, signal: AbortSignal): Promise<unknown> {
    const name = this.#options.name;
    const what = `GET ${path}`;
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    let status: number;
    let text: string;
    try {
      const response = await this.#pool.request({
        method: 'GET',
        path: `${this.#prefix}${path}?${query}`,
        headers: { authorization: this.#options.authorization, accept: 'application/json' },
        signal: AbortSignal.any([signal, deadline]),
      });
      status = response.statusCode;
      text = await readText(response.body as AsyncIterable<Buffer> & { destroy(): void });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const reason = deadline.aborted
        ? `no answer within ${this.#timeoutMs} ms`
        : describeNetworkError(error);
      throw new ProviderApiError(this.#redact(`${name} ${what} failed: ${reason}`), null);
    }
    if (status < 200 || status > 299) {
      const said = providerMessage(text);
      const message = `${name} answered HTTP ${status} to ${what}${said ? `: ${said.slice(0, MESSAGE_CHARS)}` : ''}`;
      throw new ProviderApiError(this.#redact(message), status);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ProviderApiError(`${name} answered ${what} with a body that is not JSON`, status);
    }
  }

  /** An error for an answer that is JSON but not the documented shape. */
  unexpected(path: string, problem: string): ProviderApiError {
    return new ProviderApiError(this.#redact(`${this.#options.name} GET ${path}: ${problem}`), 200);
  }

  /** Closes the connections. */
  close(): Promise<void> {
    return this.#pool.close();
  }

  #redact(text: string): string {
    return redact(text, this.#secrets);
  }
}

/** The body as UTF-8 text, refusing more than {@link MAX_ANSWER_BYTES}. */
async function readText(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) throw new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes`);
      chunks.push(chunk);
    }
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}
