import type { ProviderDefinition } from '../provider-definition.js';
import { type SecretsSettings, secretsSettings } from '../provider-settings.js';
import { parseSignedJson } from '../webhook-provider.js';
import { PHONEPE_AUTHORIZATION_HEADER } from './phonepe-authorization.js';
import { mapPhonepeEvent } from './phonepe-event.js';
import { PHONEPE_CREDENTIALS_VARIABLE, phonepeProvider } from './phonepe-provider.js';

/** A `username:password` pair: both parts present (PhonePe's usernames hold no `:`). */
const CREDENTIAL = /^[^:]+:.+$/;

/** PhonePe: `POST /v1/webhooks/phonepe`, enabled by `PHONEPE_WEBHOOK_CREDENTIALS`. */
export const phonepeDefinition: ProviderDefinition<SecretsSettings> = {
  name: 'phonepe',
  displayName: 'PhonePe',
  bodyType: 'application/json',
  settings: secretsSettings(
    PHONEPE_CREDENTIALS_VARIABLE,
    'the username:password pair(s) set on the PhonePe webhook, comma-separated during a rotation',
    (credential) => (CREDENTIAL.test(credential) ? null : 'must list username:password pairs'),
  ),
  secretHeaders: [PHONEPE_AUTHORIZATION_HEADER],
  create: (settings) => phonepeProvider(settings),
  readStoredEvent: (payload, eventId) => mapPhonepeEvent(parseSignedJson(payload), eventId),
};
