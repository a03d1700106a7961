import type { ProviderDefinition } from '../provider-definition.js';
import { type SecretsSettings, secretsSettings } from '../provider-settings.js';
import { mapCashfreeEvent } from './cashfree-event.js';
import { CASHFREE_SECRETS_VARIABLE, cashfreeProvider, parseCashfreeBody } from './cashfree-provider.js';
import { CASHFREE_SIGNATURE_HEADER } from './cashfree-signature.js';

/** Cashfree: `POST /v1/webhooks/cashfree`, enabled by `CASHFREE_WEBHOOK_SECRETS`. */
export const cashfreeDefinition: ProviderDefinition<SecretsSettings> = {
  name: 'cashfree',
  displayName: 'Cashfree',
  bodyType: 'application/json',
  settings: secretsSettings(
    CASHFREE_SECRETS_VARIABLE,
    'the client secret(s) of the Cashfree account (Developers → API Keys), comma-separated during a rotation',
  ),
  secretHeaders: [CASHFREE_SIGNATURE_HEADER],
  create: (settings) => cashfreeProvider(settings),
  readStoredEvent: (payload, eventId) => mapCashfreeEvent(parseCashfreeBody(payload).value, eventId),
  isRefundEvent: (eventType) => eventType.startsWith('REFUND_'),
};
