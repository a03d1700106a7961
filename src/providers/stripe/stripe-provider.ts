import { requireSecrets } from '../provider-secrets.js';
import type { WebhookProvider } from '../webhook-provider.js';
import { mapStripeEvent } from './stripe-event.js';
import {
  STRIPE_SIGNATURE_HEADER,
  STRIPE_TOLERANCE_SECONDS,
  verifyStripeSignature,
} from './stripe-signature.js';

/** The environment variable that lists Stripe webhook signing secrets. */
export const STRIPE_SECRETS_VARIABLE = 'STRIPE_WEBHOOK_SECRETS';

/** Options of {@link stripeProvider}. */
export interface StripeProviderOptions {
  /**
   * The endpoints' signing secrets (`whsec_…`), used as they are: their UTF-8 bytes, prefix
   * included, are the HMAC keys. A delivery verifies when any of them signed it; during a rotation
   * Stripe sends one `v1` per active secret. At least one, none empty.
   */
  secrets: readonly string[];
  /**
   * How far the signed timestamp may be from the receiver's clock, either way, in seconds.
   * Default {@link STRIPE_TOLERANCE_SECONDS} (300), Stripe's own.
   */
  toleranceSeconds?: number;
}

/**
 * Stripe's webhooks: `Stripe-Signature: t=<unix>,v1=<hex>…` over `"<t>.<raw body>"` (see
 * `verifyStripeSignature`), and the event's `id` as its identity. The scheme follows the
 * endpoint, never a secret's prefix: a `whsec_` secret is Stripe's key as it is, not a Standard
 * Webhooks secret to base64-decode. The mapping is {@link mapStripeEvent}'s. Throws a
 * `RangeError` for no secret, an empty one, or a tolerance that is not a non-negative integer.
 */
export function stripeProvider({
  secrets,
  toleranceSeconds = STRIPE_TOLERANCE_SECONDS,
}: StripeProviderOptions): WebhookProvider {
  requireSecrets(secrets, STRIPE_SECRETS_VARIABLE);
  if (!Number.isSafeInteger(toleranceSeconds) || toleranceSeconds < 0) {
    throw new RangeError('the Stripe signature tolerance must be a non-negative integer of seconds');
  }
  const keys = secrets.map((s) => Buffer.from(s, 'utf8'));
  return {
    name: 'stripe',
    secretsVariable: STRIPE_SECRETS_VARIABLE,
    verify: (body, headers, nowSeconds) =>
      verifyStripeSignature(keys, body, headers[STRIPE_SIGNATURE_HEADER], nowSeconds, toleranceSeconds),
    toEvent: (body) => mapStripeEvent(body),
  };
}
