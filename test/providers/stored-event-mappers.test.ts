import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PROVIDERS } from '../../src/domain/provider-event.js';
import { razorpayProvider } from '../../src/providers/razorpay/razorpay-provider.js';
import { STORED_EVENT_MAPPERS } from '../../src/providers/stored-event-mappers.js';
import { stripeProvider } from '../../src/providers/stripe/stripe-provider.js';
import { EnvelopeError } from '../../src/providers/webhook-provider.js';
import { fixtureJson, fixtureNames } from '../helpers/provider-fixtures.js';

const PROVIDER = {
  razorpay: razorpayProvider({ secrets: ['secret'] }),
  stripe: stripeProvider({ secrets: ['whsec_secret'] }),
};

describe('STORED_EVENT_MAPPERS', () => {
  test('a stored payload and its transaction id map to the event received', () => {
    for (const provider of PROVIDERS) {
      for (const name of fixtureNames(provider)) {
        const payload = fixtureJson(provider, name);
        // Razorpay's id travels in a header; Stripe's is the body's.
        const transactionId =
          provider === 'razorpay' ? `rzp_${name.replaceAll('.', '_')}` : (payload as { id: string }).id;
        const received = PROVIDER[provider].toEvent(payload, { 'x-razorpay-event-id': transactionId });
        const stored = STORED_EVENT_MAPPERS[provider](payload, transactionId);
        assert.deepEqual(stored, received, `${provider}/${name}`);
        assert.equal(stored.eventId, transactionId);
      }
    }
  });

  test('a stored payload that is not the envelope throws, as on arrival', () => {
    for (const provider of PROVIDERS) {
      assert.throws(() => STORED_EVENT_MAPPERS[provider]('[]', 'evt_1'), EnvelopeError);
    }
  });
});
