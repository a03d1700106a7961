import type { IncomingHttpHeaders } from 'node:http';
import { requireIdentifier } from '../envelope-fields.js';
import { requireSecrets } from '../provider-secrets.js';
import { EnvelopeError, type WebhookProvider } from '../webhook-provider.js';
import { mapRazorpayEvent } from './razorpay-event.js';
import { RAZORPAY_SIGNATURE_HEADER, razorpaySignatureVerdict } from './razorpay-signature.js';

/** The environment variable that lists Razorpay webhook secrets. */
export const RAZORPAY_SECRETS_VARIABLE = 'RAZORPAY_WEBHOOK_SECRETS';

/** The header that carries a Razorpay event's identity (the body has none). */
export const RAZORPAY_EVENT_ID_HEADER = 'x-razorpay-event-id';

/** Options of {@link razorpayProvider}. */
export interface RazorpayProviderOptions {
  /**
   * The webhook secrets, as configured in Razorpay's dashboard; their UTF-8 bytes are the HMAC
   * keys. A delivery verifies when any of them signed it, so a secret rotates by listing the new
   * one next to the old until Razorpay signs with the new one. At least one, none empty.
   */
  secrets: readonly string[];
}

/**
 * The event id of a delivery: the single `X-Razorpay-Event-Id` header, which becomes the record's
 * transaction id. Throws {@link EnvelopeError} when it is absent, sent more than once (Node then
 * gives a list, or joins the copies with `, `, which the identifier rule refuses) or not an
 * identifier.
 */
export function razorpayEventId(headers: IncomingHttpHeaders): string {
  const loc = ['header', RAZORPAY_EVENT_ID_HEADER];
  const value = headers[RAZORPAY_EVENT_ID_HEADER];
  if (Array.isArray(value)) throw new EnvelopeError(loc, 'Header should be sent once', 'string_type');
  return requireIdentifier(value, loc);
}

/**
 * Razorpay's webhooks: `X-Razorpay-Signature` is the lowercase hex HMAC-SHA256 of the raw body
 * (no timestamp is signed, so replays are stopped by the event id being the transaction id), and
 * `X-Razorpay-Event-Id` is the event's identity. The mapping is {@link mapRazorpayEvent}'s.
 * Throws a `RangeError` naming {@link RAZORPAY_SECRETS_VARIABLE} when no secret, or an empty one,
 * is given (configuration checks this first; the provider never runs with a key anybody can sign
 * with).
 */
export function razorpayProvider({ secrets }: RazorpayProviderOptions): WebhookProvider {
  requireSecrets(secrets, RAZORPAY_SECRETS_VARIABLE);
  const keys = secrets.map((s) => Buffer.from(s, 'utf8'));
  return {
    name: 'razorpay',
    secretsVariable: RAZORPAY_SECRETS_VARIABLE,
    verify: (body, headers) => razorpaySignatureVerdict(keys, body, headers[RAZORPAY_SIGNATURE_HEADER]),
    toEvent: (body, headers) => mapRazorpayEvent(body, razorpayEventId(headers)),
  };
}
