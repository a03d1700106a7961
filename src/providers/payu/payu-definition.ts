import { z } from 'zod';
import { optional } from '../../env-values.js';
import { decodeForm } from '../form-fields.js';
import type { ProviderDefinition } from '../provider-definition.js';
import { type ProviderSettings, ProviderSettingsError, secretListVariable } from '../provider-settings.js';
import { mapPayuEvent } from './payu-event.js';
import { PAYU_KEY_VARIABLE, PAYU_SALTS_VARIABLE, type PayuSettings, payuProvider } from './payu-provider.js';

const settings: ProviderSettings<PayuSettings> = {
  variables: {
    [PAYU_KEY_VARIABLE]: {
      // Part of the hashed text, whose fields are joined with |.
      schema: optional(z.string().regex(/^[^|\s]+$/, 'must be the merchant key, without | or spaces')),
      secret: false,
      description: 'the merchant key of the PayU account (Dashboard → Developers → API Keys)',
    },
    [PAYU_SALTS_VARIABLE]: secretListVariable(
      'the merchant salt(s) of that key, comma-separated during a rotation',
    ),
  },
  enabledBy: [PAYU_KEY_VARIABLE, PAYU_SALTS_VARIABLE],
  read(values) {
    const merchantKey = values[PAYU_KEY_VARIABLE] as string | undefined;
    const salts = (values[PAYU_SALTS_VARIABLE] as string[] | undefined) ?? [];
    if (merchantKey === undefined && salts.length === 0) return null;
    if (merchantKey === undefined)
      throw new ProviderSettingsError(PAYU_KEY_VARIABLE, `must be set with ${PAYU_SALTS_VARIABLE}`);
    if (salts.length === 0)
      throw new ProviderSettingsError(PAYU_SALTS_VARIABLE, `must be set with ${PAYU_KEY_VARIABLE}`);
    return { merchantKey, secrets: salts };
  },
};

/** PayU: `POST /v1/webhooks/payu` (a form), enabled by `PAYU_MERCHANT_KEY` and `PAYU_MERCHANT_SALTS`. */
export const payuDefinition: ProviderDefinition<PayuSettings> = {
  name: 'payu',
  displayName: 'PayU',
  bodyType: 'application/x-www-form-urlencoded',
  settings,
  // PayU signs a field of the form; no header carries a secret.
  secretHeaders: [],
  create: (options) => payuProvider(options),
  readStoredEvent: (payload, eventId) => mapPayuEvent(decodeForm(payload), eventId),
};
