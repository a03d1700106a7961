import type { ProviderDefinition } from '../provider-definition.js';
import { type SecretsSettings, secretsSettings } from '../provider-settings.js';
import { parseSignedJson } from '../webhook-provider.js';
import { mapRazorpayEvent } from './razorpay-event.js';
import { RAZORPAY_SECRETS_VARIABLE, razorpayProvider } from './razorpay-provider.js';
import { RAZORPAY_SIGNATURE_HEADER } from './razorpay-signature.js';

/** Razorpay: `POST /v1/webhooks/razorpay`, enabled by `RAZORPAY_WEBHOOK_SECRETS`. */
export const razorpayDefinition: ProviderDefinition<SecretsSettings> = {
  name: 'razorpay',
  displayName: 'Razorpay',
  bodyType: 'application/json',
  settings: secretsSettings(
    RAZORPAY_SECRETS_VARIABLE,
    "the secret(s) typed in Razorpay's webhook settings, comma-separated during a rotation",
  ),
  secretHeaders: [RAZORPAY_SIGNATURE_HEADER],
  create: (settings) => razorpayProvider(settings),
  readStoredEvent: (payload, eventId) => mapRazorpayEvent(parseSignedJson(payload), eventId),
  isRefundEvent: (eventType) => eventType.startsWith('refund.'),
};
