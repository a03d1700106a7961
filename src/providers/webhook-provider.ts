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
 * A body that cannot be read as the provider's format at all (malformed JSON, a form with a field
 * sent twice, invalid UTF-8): answered 400 with its message, and nothing is stored. The message
 * never repeats the body.
 */
export class MalformedBodyError extends Error {
  override readonly name = 'MalformedBodyError';
}

/**
 * One payment provider's webhooks: how to verify a delivery and what it means. Each provider is a
 * sibling folder under `src/providers/` (see `ProviderDefinition`) with its fixtures under
 * `test/fixtures/providers/`; adding one touches no other provider.
 */
export interface WebhookProvider {
  readonly name: Provider;
  /** The environment variable(s) that enable it, named in answers and logs. */
  readonly secretsVariable: string;
  /**
   * Verifies the body's bytes as received against the delivery's headers, with every configured
   * secret (any may match: rotation), comparing in constant time. Runs before anything is parsed
   * or stored. A gateway that signs the fields of a form (PayU, Paytm) decodes the form here, and
   * throws {@link MalformedBodyError} when it cannot.
   */
  verify(body: Buffer, headers: IncomingHttpHeaders, nowSeconds: number): SignatureVerdict;
  /**
   * The verified body's text in the form {@link WebhookProvider.toEvent} reads; JSON.parse when
   * absent. Throws {@link MalformedBodyError}.
   */
  parse?(text: string): unknown;
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

/**
 * Parses a verified body as JSON, for providers that post JSON: JSON.parse alone. The checks the
 * original endpoint runs on bodies nobody vouches for (duplicate keys, deep nesting, prototype
 * keys) protect nothing here: a provider's own serializer emits none of these, and whoever holds
 * the provider's secret could sign any event outright. Throws {@link MalformedBodyError}.
 */
export function parseSignedJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new MalformedBodyError('Malformed JSON body');
  }
}
