import { decodeForm, decodeFormBytes, type FormFields } from '../form-fields.js';
import { requireSecrets } from '../provider-secrets.js';
import type { SecretsSettings } from '../provider-settings.js';
import type { WebhookProvider } from '../webhook-provider.js';
import { paytmChecksumVerdict } from './paytm-checksum.js';
import { mapPaytmEvent } from './paytm-event.js';

/** The environment variable that lists Paytm merchant keys. */
export const PAYTM_KEYS_VARIABLE = 'PAYTM_MERCHANT_KEYS';

/** A Paytm merchant key is an AES-128 key: 16 bytes. */
export const PAYTM_KEY_BYTES = 16;

/**
 * Paytm's payment notifications: an `application/x-www-form-urlencoded` form whose `CHECKSUMHASH`
 * is Paytm's checksum of the other fields with the merchant key (see `paytmChecksumVerdict`). The
 * form is decoded to check it, before anything is stored, and kept byte for byte as the payload.
 * Identity and mapping: see `mapPaytmEvent`. Throws a `RangeError` naming
 * {@link PAYTM_KEYS_VARIABLE} for no key, an empty one or one that is not 16 bytes.
 */
export function paytmProvider({ secrets }: SecretsSettings): WebhookProvider {
  requireSecrets(secrets, PAYTM_KEYS_VARIABLE);
  const keys = secrets.map((s) => Buffer.from(s, 'utf8'));
  if (keys.some((k) => k.length !== PAYTM_KEY_BYTES)) {
    throw new RangeError(`${PAYTM_KEYS_VARIABLE} must list keys of ${PAYTM_KEY_BYTES} bytes`);
  }
  return {
    name: 'paytm',
    secretsVariable: PAYTM_KEYS_VARIABLE,
    verify: (body) => paytmChecksumVerdict(decodeFormBytes(body), keys),
    parse: decodeForm,
    toEvent: (body) => mapPaytmEvent(body as FormFields),
  };
}
