import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { razorpayDefinition } from '../../src/providers/razorpay/razorpay-definition.js';
import { razorpayProvider } from '../../src/providers/razorpay/razorpay-provider.js';
import { stripeDefinition } from '../../src/providers/stripe/stripe-definition.js';
import { stripeProvider } from '../../src/providers/stripe/stripe-provider.js';
import { EnvelopeError } from '../../src/providers/webhook-provider.js';
import { fixtureBytes, fixtureJson, fixtureNames } from '../helpers/provider-fixtures.js';

const PROVIDER = {
  razorpay: { definition: razorpayDefinition, adapter: razorpayProvider({ secrets: ['secret'] }) },
  stripe: { definition: stripeDefinition, adapter: stripeProvider({ secrets: ['whsec_secret'] }) },
};

describe("Razorpay's and Stripe's stored-event mapping", () => {
  test('a stored payload and its transaction id map to the event received', () => {
    for (const [provider, { definition, adapter }] of Object.entries(PROVIDER)) {
      for (const name of fixtureNames(provider)) {
        const payload = fixtureJson(provider, name);
        // Razorpay's id travels in a header; Stripe's is the body's.
        const transactionId =
          provider === 'razorpay' ? `rzp_${name.replaceAll('.', '_')}` : (payload as { id: string }).id;
        const received = adapter.toEvent(payload, { 'x-razorpay-event-id': transactionId });
        const stored = definition.readStoredEvent(
          fixtureBytes(provider, name).toString('utf8'),
          transactionId,
        );
        assert.deepEqual(stored, received, `${provider}/${name}`);
        assert.equal(stored.eventId, transactionId);
      }
    }
  });

  test('a stored payload that is not the envelope throws, as on arrival', () => {
    for (const { definition } of Object.values(PROVIDER)) {
      assert.throws(() => definition.readStoredEvent('[]', 'evt_1'), EnvelopeError);
    }
  });
});
