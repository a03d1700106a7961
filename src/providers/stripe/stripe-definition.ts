import { seconds } from '../../env-values.js';
import type { ProviderDefinition } from '../provider-definition.js';
import { type ProviderSettings, secretListVariable } from '../provider-settings.js';
import { parseSignedJson } from '../webhook-provider.js';
import { mapStripeEvent } from './stripe-event.js';
import { STRIPE_SECRETS_VARIABLE, type StripeProviderOptions, stripeProvider } from './stripe-provider.js';
import { STRIPE_SIGNATURE_HEADER, STRIPE_TOLERANCE_SECONDS } from './stripe-signature.js';

/** The variable that sets how far a `Stripe-Signature` timestamp may be from the server's clock. */
export const STRIPE_TOLERANCE_VARIABLE = 'STRIPE_WEBHOOK_TOLERANCE_SECONDS';

const settings: ProviderSettings<StripeProviderOptions> = {
  variables: {
    [STRIPE_SECRETS_VARIABLE]: secretListVariable(
      "the endpoint's signing secret(s) (whsec_…), used as they are, comma-separated during a rotation",
    ),
    [STRIPE_TOLERANCE_VARIABLE]: {
      schema: seconds(STRIPE_TOLERANCE_SECONDS, 1),
      secret: false,
      description: `seconds a Stripe-Signature timestamp may be from this server's clock, either way (default ${STRIPE_TOLERANCE_SECONDS})`,
    },
  },
  enabledBy: [STRIPE_SECRETS_VARIABLE],
  read(values) {
    const secrets = (values[STRIPE_SECRETS_VARIABLE] as string[] | undefined) ?? [];
    if (secrets.length === 0) return null;
    return { secrets, toleranceSeconds: values[STRIPE_TOLERANCE_VARIABLE] as number };
  },
};

/** Stripe: `POST /v1/webhooks/stripe`, enabled by `STRIPE_WEBHOOK_SECRETS`. */
export const stripeDefinition: ProviderDefinition<StripeProviderOptions> = {
  name: 'stripe',
  displayName: 'Stripe',
  bodyType: 'application/json',
  settings,
  secretHeaders: [STRIPE_SIGNATURE_HEADER],
  create: (options) => stripeProvider(options),
  readStoredEvent: (payload, eventId) => mapStripeEvent(parseSignedJson(payload), eventId),
  // refund.* (a Refund object) and charge.refund.* carry the refund; charge.refunded the charge.
  isRefundEvent: (eventType) => /(^|\.)refund\./.test(eventType),
};
