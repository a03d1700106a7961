import { isJsonObject, type JsonObject } from '../envelope-fields.js';
import { ProviderApiClient } from '../provider-api-client.js';

/** The events API's path. */
export const STRIPE_EVENTS_PATH = '/v1/events';

/** Events per page: the most Stripe's list endpoints return. */
export const STRIPE_PAGE_SIZE = 100;

/** One page of Stripe's events list. */
export interface StripeEventsPage {
  /** The events as Stripe lists them (newest first), parsed; each has a string `id`. */
  events: JsonObject[];
  /** Stripe's `has_more`: further (older) events follow this page. */
  hasMore: boolean;
}

/** Options of {@link StripeEventsApi}. */
export interface StripeEventsApiOptions {
  /** A secret or restricted key (`sk_…`, `rk_…`) that can read events. */
  apiKey: string;
  /** `https://api.stripe.com`, or a proxy's base URL. */
  apiBase: string;
  timeoutMs?: number;
}

/**
 * Stripe's events list (`GET /v1/events`, kept for 30 days), authenticated with the API key as a
 * bearer token. Stripe lists newest first and pages with a cursor: `starting_after` names the last
 * event of the previous page, and the next page holds the events listed after it, older ones. A new
 * event created while a run pages comes before the first page, so it never shifts a later page:
 * every event created since `created[gte]` that existed at the first request is listed exactly
 * once, and later ones are for the next run.
 *
 * Each listed event is rendered in the API version it was created with (its `api_version`), not the
 * account's current one, so its object may differ in shape from a webhook copy of it.
 */
export class StripeEventsApi {
  readonly #client: ProviderApiClient;

  constructor(options: StripeEventsApiOptions) {
    this.#client = new ProviderApiClient({
      name: 'Stripe',
      base: options.apiBase,
      authorization: `Bearer ${options.apiKey}`,
      secrets: [options.apiKey],
      timeoutMs: options.timeoutMs,
    });
  }

  /**
   * Every event created at or after `createdGte` (unix seconds), page by page, following
   * `starting_after` while `has_more`. Throws `ProviderApiError` at the first request that fails or
   * answers something that is not Stripe's list.
   */
  async *pages(createdGte: number, signal: AbortSignal): AsyncGenerator<StripeEventsPage> {
    let startingAfter: string | undefined;
    for (;;) {
      const query = new URLSearchParams({
        'created[gte]': String(createdGte),
        limit: String(STRIPE_PAGE_SIZE),
      });
      if (startingAfter !== undefined) query.set('starting_after', startingAfter);
      const page = this.#page(await this.#client.getJson(STRIPE_EVENTS_PATH, query, signal));
      yield page;
      if (!page.hasMore) return;
      const last = page.events.at(-1);
      if (!last) throw this.#client.unexpected(STRIPE_EVENTS_PATH, 'has_more is true on an empty page');
      if (last.id === startingAfter)
        throw this.#client.unexpected(STRIPE_EVENTS_PATH, 'the same page came twice');
      startingAfter = last.id as string;
    }
  }

  /** Closes the connections. */
  close(): Promise<void> {
    return this.#client.close();
  }

  #page(body: unknown): StripeEventsPage {
    const unexpected = (problem: string) => this.#client.unexpected(STRIPE_EVENTS_PATH, problem);
    if (!isJsonObject(body) || body.object !== 'list') throw unexpected('the answer is not a list object');
    if (!Array.isArray(body.data)) throw unexpected('data is not an array');
    if (typeof body.has_more !== 'boolean') throw unexpected('has_more is not a boolean');
    const events = body.data.filter(isJsonObject);
    if (events.length !== body.data.length || events.some((e) => typeof e.id !== 'string')) {
      throw unexpected('an item of data is not an event with an id');
    }
    return { events, hasMore: body.has_more };
  }
}
