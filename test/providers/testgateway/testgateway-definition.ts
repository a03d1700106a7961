import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  requireAmount,
  requireIdentifier,
  requireNonEmptyString,
  requireObject,
} from '../../../src/providers/envelope-fields.js';
import type { ProviderDefinition } from '../../../src/providers/provider-definition.js';
import { type SecretsSettings, secretsSettings } from '../../../src/providers/provider-settings.js';
import { noPaymentFacts, unmappedEvent } from '../../../src/providers/unmapped-event.js';
import { parseSignedJson, type WebhookProvider } from '../../../src/providers/webhook-provider.js';

/**
 * A provider that exists only in the tests, built the way a real one is: this folder and one
 * registration line (in the test that uses it). Its deliveries are JSON
 * `{"id":"tg_…","type":"payment.done","payment":{"id":"tgp_…","amount":1500}}` signed with the hex
 * HMAC-SHA256 of the body in `x-testgateway-signature`.
 */
export const TESTGATEWAY_SECRETS_VARIABLE = 'TESTGATEWAY_WEBHOOK_SECRETS';
export const TESTGATEWAY_SIGNATURE_HEADER = 'x-testgateway-signature';

export const signTestgateway = (secret: string, body: Buffer) =>
  createHmac('sha256', secret).update(body).digest('hex');

function mapTestgatewayEvent(body: unknown, eventId?: string) {
  const envelope = requireObject(body, ['body']);
  const payment = requireObject(envelope.payment, ['body', 'payment']);
  const amount = requireAmount(payment.amount, ['body', 'payment', 'amount']);
  return {
    ...unmappedEvent(
      'testgateway',
      eventId ?? requireIdentifier(envelope.id, ['body', 'id']),
      requireNonEmptyString(envelope.type, ['body', 'type']),
    ),
    paymentId: requireIdentifier(payment.id, ['body', 'payment', 'id']),
    paymentStatus: envelope.type === 'payment.done' ? ('captured' as const) : null,
    amount,
    currency: 'INR',
    facts: { ...noPaymentFacts(), paymentAmount: amount, paymentCurrency: 'INR' },
  };
}

function testgatewayProvider({ secrets }: SecretsSettings): WebhookProvider {
  const keys = secrets.map((s) => Buffer.from(s));
  return {
    name: 'testgateway',
    secretsVariable: TESTGATEWAY_SECRETS_VARIABLE,
    verify(body, headers) {
      const header = headers[TESTGATEWAY_SIGNATURE_HEADER];
      if (header === undefined) return 'missing';
      if (typeof header !== 'string' || !/^[0-9a-f]{64}$/.test(header)) return 'malformed';
      const offered = Buffer.from(header, 'hex');
      let ok = false;
      for (const key of keys)
        ok = timingSafeEqual(createHmac('sha256', key).update(body).digest(), offered) || ok;
      return ok ? 'ok' : 'invalid';
    },
    toEvent: (body) => mapTestgatewayEvent(body),
  };
}

export const testgatewayDefinition: ProviderDefinition<SecretsSettings> = {
  name: 'testgateway',
  displayName: 'Test Gateway',
  bodyType: 'application/json',
  settings: secretsSettings(TESTGATEWAY_SECRETS_VARIABLE, "the test gateway's signing secrets"),
  secretHeaders: [TESTGATEWAY_SIGNATURE_HEADER],
  create: testgatewayProvider,
  readStoredEvent: (payload, eventId) => mapTestgatewayEvent(parseSignedJson(payload), eventId),
};
