import { decodeForm } from '../form-fields.js';
import type { ProviderDefinition } from '../provider-definition.js';
import { type SecretsSettings, secretsSettings } from '../provider-settings.js';
import { mapPaytmEvent } from './paytm-event.js';
import { PAYTM_KEY_BYTES, PAYTM_KEYS_VARIABLE, paytmProvider } from './paytm-provider.js';

/** Paytm: `POST /v1/webhooks/paytm` (a form), enabled by `PAYTM_MERCHANT_KEYS`. */
export const paytmDefinition: ProviderDefinition<SecretsSettings> = {
  name: 'paytm',
  displayName: 'Paytm',
  bodyType: 'application/x-www-form-urlencoded',
  settings: secretsSettings(
    PAYTM_KEYS_VARIABLE,
    'the merchant key(s) of the Paytm MID (16 characters), comma-separated during a rotation',
    (key) =>
      Buffer.byteLength(key, 'utf8') === PAYTM_KEY_BYTES
        ? null
        : `must list merchant keys of ${PAYTM_KEY_BYTES} characters`,
  ),
  // Paytm signs a field of the form; no header carries a secret.
  secretHeaders: [],
  create: (settings) => paytmProvider(settings),
  readStoredEvent: (payload, eventId) => mapPaytmEvent(decodeForm(payload), eventId),
};
