import { decodeForm, decodeFormBytes, type FormFields } from '../form-fields.js';
import { requireSecrets } from '../provider-secrets.js';
import type { WebhookProvider } from '../webhook-provider.js';
import { mapPayuEvent } from './payu-event.js';
import { payuHashVerdict } from './payu-hash.js';

/** The environment variable that holds the PayU merchant key. */
export const PAYU_KEY_VARIABLE = 'PAYU_MERCHANT_KEY';
/** The environment variable that lists the PayU merchant salts. */
export const PAYU_SALTS_VARIABLE = 'PAYU_MERCHANT_SALTS';

/** Options of {@link payuProvider}. */
export interface PayuSettings {
  /** The merchant key, part of every hash. */
  readonly merchantKey: string;
  /** The merchant salts; a form verifies when any of them gives its hash (rotation). At least one, none empty. */
  readonly secrets: readonly string[];
}

/**
 * PayU's webhooks: an `application/x-www-form-urlencoded` form whose `hash` field is PayU's
 * reverse SHA-512 hash of its fields with the merchant key and salt (see `payuHashVerdict`). The
 * form is decoded to check it, before anything is stored, and kept byte for byte as the payload.
 * Identity and mapping: see `mapPayuEvent`. Throws a `RangeError` naming the variable for a missing
 * key, no salt or an empty one.
 */
export function payuProvider({ merchantKey, secrets }: PayuSettings): WebhookProvider {
  if (merchantKey.length === 0) throw new RangeError(`${PAYU_KEY_VARIABLE} must be set`);
  requireSecrets(secrets, PAYU_SALTS_VARIABLE);
  return {
    name: 'payu',
    secretsVariable: `${PAYU_KEY_VARIABLE} and ${PAYU_SALTS_VARIABLE}`,
    verify: (body) => payuHashVerdict(decodeFormBytes(body), merchantKey, secrets),
    parse: decodeForm,
    toEvent: (body) => mapPayuEvent(body as FormFields),
  };
}
