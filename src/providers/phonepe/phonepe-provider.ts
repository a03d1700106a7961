import { requireSecrets } from '../provider-secrets.js';
import type { SecretsSettings } from '../provider-settings.js';
import type { WebhookProvider } from '../webhook-provider.js';
import { phonepeAuthorizationVerdict, phonepeToken } from './phonepe-authorization.js';
import { mapPhonepeEvent } from './phonepe-event.js';

/** The environment variable that lists the `username:password` pairs configured for PhonePe's webhooks. */
export const PHONEPE_CREDENTIALS_VARIABLE = 'PHONEPE_WEBHOOK_CREDENTIALS';

/**
 * PhonePe's v2 webhooks (S2S callbacks): the `Authorization` header is the SHA-256 of the
 * `username:password` configured with the webhook (see `phonepeAuthorizationVerdict`). That token
 * proves the sender knows the credentials; it does not cover the body. Identity and mapping: see
 * `mapPhonepeEvent`. `secrets` are the `username:password` pairs. Throws a `RangeError` naming
 * {@link PHONEPE_CREDENTIALS_VARIABLE} for none or an empty one.
 */
export function phonepeProvider({ secrets }: SecretsSettings): WebhookProvider {
  requireSecrets(secrets, PHONEPE_CREDENTIALS_VARIABLE);
  const tokens = secrets.map(phonepeToken);
  return {
    name: 'phonepe',
    secretsVariable: PHONEPE_CREDENTIALS_VARIABLE,
    verify: (_body, headers) => phonepeAuthorizationVerdict(tokens, headers),
    toEvent: (body) => mapPhonepeEvent(body),
  };
}
