import type { IncomingHttpHeaders } from 'node:http';
import type { Provider, ProviderEvent } from '../domain/provider-event.js';

/**
 * Why a delivery's signature was refused, or `ok`: `missing` (no signature header), `malformed`
 * (a header that cannot be a signature), `stale` (its timestamp is outside the tolerance), `invalid`
 * (no configured secret produces it).
 */
export type SignatureVerdict = 'ok' | 'missing' | 'malformed' | 'stale' | 'invalid';

/**
 * A verified body that is not the provider's envelope, or lacks its identity: answered 422 with
 * the FastAPI-shaped field error `{loc, msg, type}` it carries, and nothing is stored.
 */
export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';

  constructor(
    /** Where the problem is, e.g. `['body', 'payload', 'payment', 'entity', 'amount']` or `['header', 'x-razorpay-event-id']`. */
    readonly loc: (string | number)[],
    message: string,
    /** A short machine-readable kind, e.g. `missing`, `string_type`, `int_type`. */
    readonly type: string,
  ) {
    super(message);
  }
}

/**
 * One payment provider's webhooks: how to verify a delivery and what it means. Each provider is a
 * sibling folder under `src/providers/` with its fixtures under `test/fixtures/providers/`; adding
 * one touches no other provider.
 */
export interface WebhookProvider {
  readonly name: Provider;
  /** The environment variable that holds its secrets, named in answers and logs. */
  readonly secretsVariable: string;
  /**
   * Verifies the body's bytes as received against the delivery's headers, with every configured
   * secret (any may match: rotation), comparing in constant time. Runs before anything is parsed.
   */
  verify(body: Buffer, headers: IncomingHttpHeaders, nowSeconds: number): SignatureVerdict;
  /**
   * The event a verified delivery carries, from its parsed body and headers. Throws
   * {@link EnvelopeError} when the body is not this provider's envelope or the event's identity is
   * missing or unusable as a transaction id.
   */
  toEvent(body: unknown, headers: IncomingHttpHeaders): ProviderEvent;
}

/**
 * Re-reads a stored event: the provider's mapping applied to a record's parsed payload and its
 * transaction id (the event id, which Razorpay sends only in a header). Used to derive a payment's
 * state from its events.
 */
export type StoredEventMapper = (payload: unknown, eventId: string) => ProviderEvent;
