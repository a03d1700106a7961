import { isJsonObject } from '../envelope-fields.js';
import { ProviderApiClient } from '../provider-api-client.js';

/** The payments API's path. */
export const RAZORPAY_PAYMENTS_PATH = '/v1/payments';

/** Payments per page: the most Razorpay returns. */
export const RAZORPAY_PAGE_SIZE = 100;

/** Options of {@link RazorpayPaymentsApi}. */
export interface RazorpayPaymentsApiOptions {
  /** The API key id (`rzp_live_…`, `rzp_test_…`). */
  keyId: string;
  keySecret: string;
  /** `https://api.razorpay.com`, or a proxy's base URL. */
  apiBase: string;
  timeoutMs?: number;
}

/**
 * Razorpay's payments list (`GET /v1/payments`, Basic auth with the key id and secret): the
 * payments created between `from` and `to` (unix seconds), newest first, `count` at a time,
 * `skip` to page. The run fixes `to` when it starts, so payments created while it pages fall
 * outside its window and do not shift the pages it has yet to read.
 */
export class RazorpayPaymentsApi {
  readonly #client: ProviderApiClient;

  constructor(options: RazorpayPaymentsApiOptions) {
    const token = Buffer.from(`${options.keyId}:${options.keySecret}`, 'utf8').toString('base64');
    this.#client = new ProviderApiClient({
      name: 'Razorpay',
      base: options.apiBase,
      authorization: `Basic ${token}`,
      secrets: [options.keyId, options.keySecret, token],
      timeoutMs: options.timeoutMs,
    });
  }

  /**
   * The payment entities created from `from` to `to` (unix seconds), a page at a time, until a
   * page holds fewer than {@link RAZORPAY_PAGE_SIZE}. Throws `ProviderApiError` at the first request
   * that fails or answers something that is not Razorpay's collection.
   */
  async *pages(from: number, to: number, signal: AbortSignal): AsyncGenerator<unknown[]> {
    let previousFirst: unknown;
    for (let skip = 0; ; skip += RAZORPAY_PAGE_SIZE) {
      const query = new URLSearchParams({
        from: String(from),
        to: String(to),
        count: String(RAZORPAY_PAGE_SIZE),
        skip: String(skip),
      });
      const body = await this.#client.getJson(RAZORPAY_PAYMENTS_PATH, query, signal);
      if (!isJsonObject(body) || body.entity !== 'collection' || !Array.isArray(body.items)) {
        throw this.#client.unexpected(RAZORPAY_PAYMENTS_PATH, 'the answer is not a collection with items');
      }
      const items = body.items as unknown[];
      const first = isJsonObject(items[0]) ? items[0].id : undefined;
      if (first !== undefined && first === previousFirst) {
        throw this.#client.unexpected(RAZORPAY_PAYMENTS_PATH, 'the same page came twice (skip ignored)');
      }
      previousFirst = first;
      yield items;
      if (items.length < RAZORPAY_PAGE_SIZE) return;
    }
  }

  /** Closes the connections. */
  close(): Promise<void> {
    return this.#client.close();
  }
}
