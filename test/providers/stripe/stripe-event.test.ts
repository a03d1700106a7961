import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ProviderEvent } from '../../../src/domain/provider-event.js';
import { mapStripeEvent } from '../../../src/providers/stripe/stripe-event.js';
import { stripeProvider } from '../../../src/providers/stripe/stripe-provider.js';
import { EnvelopeError } from '../../../src/providers/webhook-provider.js';
import { fixtureJson, fixtureNames, withFields } from '../../helpers/provider-fixtures.js';
import { NO_FACTS, UNMAPPED } from '../unmapped.js';

// The published fixtures have every id zeroed: one event id, one PaymentIntent, one Charge.
const EVT = 'evt_000000000000000000000000';
const PI = 'pi_000000000000000000000000';
const CH = 'ch_000000000000000000000000';

const INTENT = {
  paymentId: PI,
  amount: 2000,
  currency: 'USD',
  sourceAccount: null,
  destinationAccount: null,
  facts: { ...NO_FACTS, paymentAmount: 2000, paymentCurrency: 'USD' },
};

const EXPECTED: Record<string, Omit<ProviderEvent, 'provider' | 'eventId'>> = {
  'payment_intent.succeeded': { eventType: 'payment_intent.succeeded', ...INTENT, paymentStatus: 'captured' },
  'payment_intent.amount_capturable_updated': {
    eventType: 'payment_intent.amount_capturable_updated',
    ...INTENT,
    paymentStatus: 'authorized',
  },
  // Its object's status is requires_payment_method: the event type is what states the failure.
  'payment_intent.payment_failed': {
    eventType: 'payment_intent.payment_failed',
    ...INTENT,
    paymentStatus: 'failed',
  },
  'payment_intent.canceled': { eventType: 'payment_intent.canceled', ...INTENT, paymentStatus: null },
  'charge.succeeded': {
    eventType: 'charge.succeeded',
    ...INTENT,
    paymentStatus: 'captured',
    facts: { ...INTENT.facts, amountRefunded: 0 },
  },
  'charge.failed': {
    eventType: 'charge.failed',
    ...INTENT,
    paymentStatus: 'failed',
    facts: { ...INTENT.facts, amountRefunded: 0 },
  },
  // A legacy charge (payment_intent null) of 100 cents, refunded in full: the charge is the payment.
  'charge.refunded': {
    eventType: 'charge.refunded',
    paymentId: CH,
    paymentStatus: 'refunded',
    amount: 100,
    currency: 'USD',
    sourceAccount: null,
    destinationAccount: null,
    facts: { paymentAmount: 100, paymentCurrency: 'USD', amountRefunded: 100, refund: null },
  },
  'charge.refund.updated': {
    eventType: 'charge.refund.updated',
    paymentId: CH,
    paymentStatus: null,
    amount: 100,
    currency: 'USD',
    sourceAccount: null,
    destinationAccount: null,
    facts: { ...NO_FACTS, refund: { id: 're_000000000000000000000000', amount: 100, status: 'succeeded' } },
  },
  'payout.paid': { eventType: 'payout.paid', ...UNMAPPED },
  'customer.subscription.created': { eventType: 'customer.subscription.created', ...UNMAPPED },
};

/** A fixture's event, parsed, with `fields` (dotted paths) replaced or, when undefined, deleted. */
const edited = (name: string, fields: Record<string, unknown>) =>
  withFields(fixtureJson('stripe', name), fields);

/** `fields` of `data.object`, by name. */
const objectFields = (fields: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(fields).map(([key, value]) => [`data.object.${key}`, value]));

function assertEnvelopeError(body: unknown, loc: (string | number)[], type: string) {
  assert.throws(
    () => mapStripeEvent(body),
    (error: unknown) => {
      assert.ok(error instanceof EnvelopeError, String(error));
      assert.deepEqual(error.loc, loc);
      assert.equal(error.type, type);
      return true;
    },
  );
}

describe('mapStripeEvent on the published events', () => {
  test('every fixture has an expectation', () => {
    assert.deepEqual(fixtureNames('stripe'), Object.keys(EXPECTED).sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    test(name, () => {
      const body = fixtureJson('stripe', name);
      assert.deepEqual(mapStripeEvent(body), { provider: 'stripe', eventId: EVT, ...expected });
      // The provider maps the same, and a stored record's transaction id is the event id.
      assert.deepEqual(stripeProvider({ secrets: ['whsec_x'] }).toEvent(body, {}), mapStripeEvent(body));
      assert.equal(mapStripeEvent(body, 'evt_stored').eventId, 'evt_stored');
    });
  }
});

describe('mapStripeEvent: statuses', () => {
  const intentStatus = (type: string, status: string) =>
    mapStripeEvent(edited('payment_intent.amount_capturable_updated', { type, 'data.object.status': status }))
      .paymentStatus;

  test('PaymentIntent: succeeded is captured, requires_capture authorized, payment_failed failed, others nothing', () => {
    assert.equal(intentStatus('payment_intent.succeeded', 'processing'), 'captured');
    assert.equal(intentStatus('payment_intent.updated', 'succeeded'), 'captured');
    assert.equal(intentStatus('payment_intent.amount_capturable_updated', 'requires_capture'), 'authorized');
    assert.equal(intentStatus('payment_intent.payment_failed', 'requires_payment_method'), 'failed');
    // A failed attempt followed by a capturable one: the further along.
    assert.equal(intentStatus('payment_intent.payment_failed', 'requires_capture'), 'authorized');
    for (const status of [
      'requires_payment_method',
      'requires_confirmation',
      'requires_action',
      'processing',
      'canceled',
    ]) {
      assert.equal(intentStatus('payment_intent.created', status), null, status);
    }
  });

  test('Charge: status, captured, refunded and amount_refunded', () => {
    const chargeStatus = (fields: Record<string, unknown>) =>
      mapStripeEvent(edited('charge.succeeded', objectFields(fields))).paymentStatus;
    assert.equal(chargeStatus({ status: 'succeeded', captured: true }), 'captured');
    assert.equal(chargeStatus({ status: 'succeeded', captured: false }), 'authorized');
    assert.equal(chargeStatus({ status: 'failed', captured: false }), 'failed');
    assert.equal(chargeStatus({ status: 'pending', captured: false }), null);
    assert.equal(chargeStatus({ amount_refunded: 500, refunded: false }), 'partially_refunded');
    assert.equal(chargeStatus({ amount_refunded: 2000, refunded: false }), 'refunded');
    // Refunded in full after a partial capture: the flag says so though the amounts differ.
    assert.equal(chargeStatus({ amount_captured: 1500, amount_refunded: 1500, refunded: true }), 'refunded');
  });

  test('Refund: succeeded, failed and canceled, pending and requires_action, and refund.failed', () => {
    const refundStatus = (type: string, status: unknown) =>
      mapStripeEvent(edited('charge.refund.updated', { type, 'data.object.status': status })).facts.refund
        ?.status ?? null;
    assert.equal(refundStatus('charge.refund.updated', 'succeeded'), 'succeeded');
    assert.equal(refundStatus('refund.updated', 'failed'), 'failed');
    assert.equal(refundStatus('refund.updated', 'canceled'), 'failed');
    assert.equal(refundStatus('refund.created', 'pending'), 'pending');
    assert.equal(refundStatus('refund.created', 'requires_action'), 'pending');
    assert.equal(refundStatus('refund.failed', 'pending'), 'failed');
    assert.equal(refundStatus('refund.updated', 'toString'), null);
  });
});

describe('mapStripeEvent: ids, expanded objects and Connect accounts', () => {
  test('a charge names its PaymentIntent, as an id or expanded; a refund its PaymentIntent before its charge', () => {
    const charge = mapStripeEvent(
      edited(
        'charge.refunded',
        objectFields({
          payment_intent: { id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa', object: 'payment_intent' },
          customer: { id: 'cus_NffrFeUfNV2Hib', object: 'customer' },
        }),
      ),
    );
    assert.equal(charge.paymentId, 'pi_3MtwBwLkdIwHu7ix28a3tqPa');
    assert.equal(charge.sourceAccount, 'cus_NffrFeUfNV2Hib');
    const refund = mapStripeEvent(
      edited('charge.refund.updated', {
        type: 'refund.created',
        'data.object.payment_intent': 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
      }),
    );
    assert.equal(refund.paymentId, 'pi_3MtwBwLkdIwHu7ix28a3tqPa');
  });

  test('the customer pays; money goes to transfer_data.destination, else on_behalf_of, else the event account', () => {
    const accounts = (fields: Record<string, unknown>) => {
      const e = mapStripeEvent(edited('payment_intent.succeeded', fields));
      return [e.sourceAccount, e.destinationAccount];
    };
    const account = 'acct_1MX7yPQ9RKHgCVdK';
    assert.deepEqual(
      accounts({
        ...objectFields({
          customer: 'cus_NffrFeUfNV2Hib',
          transfer_data: { destination: 'acct_1032D82eZvKYlo2C' },
          on_behalf_of: 'acct_1Nv0FGQ9RKHgCVdK',
        }),
        account,
      }),
      ['cus_NffrFeUfNV2Hib', 'acct_1032D82eZvKYlo2C'],
    );
    assert.deepEqual(
      accounts({
        ...objectFields({
          transfer_data: { destination: { id: 'acct_1032D82eZvKYlo2C', object: 'account' } },
        }),
        account,
      }),
      [null, 'acct_1032D82eZvKYlo2C'],
    );
    assert.deepEqual(accounts({ ...objectFields({ on_behalf_of: 'acct_1Nv0FGQ9RKHgCVdK' }), account }), [
      null,
      'acct_1Nv0FGQ9RKHgCVdK',
    ]);
    assert.deepEqual(accounts({ account }), [null, account]);
  });

  test('a refund pays back from the connected account and names no customer', () => {
    const refund = mapStripeEvent(edited('charge.refund.updated', { account: 'acct_1MX7yPQ9RKHgCVdK' }));
    assert.equal(refund.sourceAccount, 'acct_1MX7yPQ9RKHgCVdK');
    assert.equal(refund.destinationAccount, null);
  });

  test('zero-decimal and three-decimal currencies keep the integer as sent', () => {
    const yen = mapStripeEvent(
      edited('payment_intent.succeeded', objectFields({ amount: 1500, currency: 'jpy' })),
    );
    assert.equal(yen.amount, 1500);
    assert.equal(yen.currency, 'JPY');
    const dinar = mapStripeEvent(edited('charge.succeeded', objectFields({ amount: 1250, currency: 'kwd' })));
    assert.equal(dinar.amount, 1250);
    assert.equal(dinar.currency, 'KWD');
  });
});

describe('mapStripeEvent refuses what is not a Stripe event', () => {
  test('not an object', () => {
    for (const body of [[], 'evt_1', 1, null]) assertEnvelopeError(body, ['body'], 'dict_type');
  });

  test("a Razorpay envelope at Stripe's mapper", () => {
    assertEnvelopeError(fixtureJson('razorpay', 'payment.captured.card'), ['body', 'object'], 'missing');
  });

  test('object, id, type, data.object and account', () => {
    const event = (fields: Record<string, unknown>) => edited('payment_intent.succeeded', fields);
    assertEnvelopeError(event({ object: 'payment_intent' }), ['body', 'object'], 'literal_error');
    assertEnvelopeError(event({ id: undefined }), ['body', 'id'], 'missing');
    assertEnvelopeError(event({ id: 42 }), ['body', 'id'], 'string_type');
    assertEnvelopeError(event({ id: 'evt 1' }), ['body', 'id'], 'string_pattern_mismatch');
    assertEnvelopeError(event({ id: `evt_${'0'.repeat(125)}` }), ['body', 'id'], 'string_pattern_mismatch');
    assertEnvelopeError(event({ type: undefined }), ['body', 'type'], 'missing');
    assertEnvelopeError(event({ data: { object: [] } }), ['body', 'data', 'object'], 'dict_type');
    assertEnvelopeError(event({ data: undefined }), ['body', 'data'], 'missing');
    assertEnvelopeError(event({ account: { id: 'acct_1' } }), ['body', 'account'], 'string_type');
  });

  test('a PaymentIntent, Charge or Refund without an id, or whose amount is not a non-negative safe integer', () => {
    const at = (field: string) => ['body', 'data', 'object', field];
    for (const name of ['payment_intent.succeeded', 'charge.succeeded', 'charge.refund.updated']) {
      const withObject = (fields: Record<string, unknown>) => edited(name, objectFields(fields));
      assertEnvelopeError(withObject({ amount: 20.5 }), at('amount'), 'int_type');
      assertEnvelopeError(withObject({ amount: '2000' }), at('amount'), 'int_type');
      assertEnvelopeError(withObject({ amount: -2000 }), at('amount'), 'greater_than_equal');
      assertEnvelopeError(withObject({ amount: 1e20 }), at('amount'), 'less_than_equal');
      assertEnvelopeError(withObject({ id: null }), at('id'), 'string_type');
      assertEnvelopeError(withObject({ currency: 'us' }), at('currency'), 'string_pattern_mismatch');
    }
    assertEnvelopeError(
      edited('charge.succeeded', objectFields({ payment_intent: { object: 'payment_intent' } })),
      ['body', 'data', 'object', 'payment_intent', 'id'],
      'missing',
    );
    assertEnvelopeError(
      edited('charge.succeeded', objectFields({ captured: 'yes' })),
      at('captured'),
      'bool_type',
    );
    assertEnvelopeError(
      edited('payment_intent.succeeded', objectFields({ transfer_data: 'acct_1032D82eZvKYlo2C' })),
      at('transfer_data'),
      'dict_type',
    );
  });

  test('objects the mapping does not read are not checked', () => {
    const event = mapStripeEvent(
      edited('payout.paid', { 'data.object.amount': 'not read', 'data.previous_attributes': [] }),
    );
    assert.equal(event.eventType, 'payout.paid');
    assert.equal(event.amount, null);
  });
});
