import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PaymentFacts, ProviderEvent } from '../../../src/domain/provider-event.js';
import { mapRazorpayEvent } from '../../../src/providers/razorpay/razorpay-event.js';
import { EnvelopeError } from '../../../src/providers/webhook-provider.js';
import { fixtureJson, fixtureNames, withFields } from '../../helpers/provider-fixtures.js';
import { UNMAPPED } from '../unmapped.js';

const EVENT_ID = 'K1pB9yTSEqL4mZ';

// The card payment pay_DESp9bgForNoUd of 100 paise: authorized, captured, failed and its order
// paid, as Razorpay's documentation publishes them (the failed sample sends "currency": "").
const CARD_PAYMENT = {
  paymentId: 'pay_DESp9bgForNoUd',
  amount: 100,
  currency: 'INR',
  sourceAccount: null,
  destinationAccount: 'acc_BFQ7uQEaa7j2z7',
  facts: { paymentAmount: 100, paymentCurrency: 'INR', amountRefunded: 0, refund: null },
};

// The refund rfnd_FS8TWyPrCsa0OB of 50000 on pay_FPoJKWQQ8lK13n (500000 paise, 190000 refunded so far).
const REFUND = {
  paymentId: 'pay_FPoJKWQQ8lK13n',
  paymentStatus: 'partially_refunded',
  amount: 50000,
  currency: 'INR',
  sourceAccount: 'acc_E7OQJcEANmBHTC',
  destinationAccount: null,
} as const;
const refundFacts = (status: 'succeeded' | 'failed'): PaymentFacts => ({
  paymentAmount: 500000,
  paymentCurrency: 'INR',
  amountRefunded: 190000,
  refund: { id: 'rfnd_FS8TWyPrCsa0OB', amount: 50000, status },
});

const EXPECTED: Record<string, Omit<ProviderEvent, 'provider' | 'eventId'>> = {
  'payment.authorized.card': {
    eventType: 'payment.authorized',
    ...CARD_PAYMENT,
    paymentStatus: 'authorized',
  },
  'payment.captured.card': { eventType: 'payment.captured', ...CARD_PAYMENT, paymentStatus: 'captured' },
  'payment.failed.card': {
    eventType: 'payment.failed',
    ...CARD_PAYMENT,
    paymentStatus: 'failed',
    currency: null,
    facts: { ...CARD_PAYMENT.facts, paymentCurrency: null },
  },
  'order.paid.card': { eventType: 'order.paid', ...CARD_PAYMENT, paymentStatus: 'captured' },
  'payment.authorized.netbanking': {
    eventType: 'payment.authorized',
    paymentId: 'pay_DESlfW9H8K9uqM',
    paymentStatus: 'authorized',
    amount: 100,
    currency: null,
    sourceAccount: null,
    destinationAccount: 'acc_BFQ7uQEaa7j2z7',
    facts: { paymentAmount: 100, paymentCurrency: null, amountRefunded: 0, refund: null },
  },
  'payment_link.paid.standard': {
    eventType: 'payment_link.paid',
    paymentId: 'pay_Qfldmt5StKZFCB',
    paymentStatus: 'captured',
    amount: 1000,
    currency: 'INR',
    sourceAccount: null,
    destinationAccount: 'acc_OU2H3nkLn9jDVo',
    facts: { paymentAmount: 1000, paymentCurrency: 'INR', amountRefunded: 0, refund: null },
  },
  'subscription.charged': {
    eventType: 'subscription.charged',
    paymentId: 'pay_DEXFWroJ6LikKT',
    paymentStatus: 'captured',
    amount: 100000,
    currency: 'INR',
    sourceAccount: 'cust_C0WlbKhp3aLA7W',
    destinationAccount: 'acc_BFQ7uQEaa7j2z7',
    facts: { paymentAmount: 100000, paymentCurrency: 'INR', amountRefunded: 0, refund: null },
  },
  // The published refund.created sample already shows the refund "processed".
  'refund.created': { eventType: 'refund.created', ...REFUND, facts: refundFacts('succeeded') },
  'refund.processed': { eventType: 'refund.processed', ...REFUND, facts: refundFacts('succeeded') },
  'refund.failed': { eventType: 'refund.failed', ...REFUND, facts: refundFacts('failed') },
  'subscription.halted': { eventType: 'subscription.halted', ...UNMAPPED },
  'payment.downtime.started.netbanking': { eventType: 'payment.downtime.started', ...UNMAPPED },
};

/** A fixture's body, parsed, with `fields` (dotted paths) replaced or, when undefined, deleted. */
const edited = (name: string, fields: Record<string, unknown>) =>
  withFields(fixtureJson('razorpay', name), fields);

const PAYMENT = 'payload.payment.entity';
const REFUND_ENTITY = 'payload.refund.entity';

/** `fields` of the payment entity, by name. */
const paymentFields = (fields: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(fields).map(([key, value]) => [`${PAYMENT}.${key}`, value]));

function assertEnvelopeError(body: unknown, loc: (string | number)[], type: string) {
  assert.throws(
    () => mapRazorpayEvent(body, EVENT_ID),
    (error: unknown) => {
      assert.ok(error instanceof EnvelopeError, String(error));
      assert.deepEqual(error.loc, loc);
      assert.equal(error.type, type);
      assert.ok(error.message.length > 0);
      return true;
    },
  );
}

describe('mapRazorpayEvent on the published samples', () => {
  test('every fixture has an expectation', () => {
    assert.deepEqual(fixtureNames('razorpay'), Object.keys(EXPECTED).sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    test(name, () => {
      assert.deepEqual(mapRazorpayEvent(fixtureJson('razorpay', name), EVENT_ID), {
        provider: 'razorpay',
        eventId: EVENT_ID,
        ...expected,
      });
    });
  }
});

describe('mapRazorpayEvent: statuses', () => {
  const statusOf = (name: string, fields: Record<string, unknown>) =>
    mapRazorpayEvent(edited(name, paymentFields(fields)), EVENT_ID).paymentStatus;

  test('the event type and the snapshot each state a status; the further along wins', () => {
    // Razorpay: a payment.authorized payload is the snapshot at authorization, while the payment may be captured since.
    assert.equal(statusOf('payment.captured.card', { status: 'authorized' }), 'captured');
    assert.equal(statusOf('payment.authorized.card', { status: 'captured' }), 'captured');
    assert.equal(statusOf('payment.failed.card', { status: 'created' }), 'failed');
  });

  test('other event types take the snapshot: refund_status first, then status; unknown ones say nothing', () => {
    const order = (fields: Record<string, unknown>) => statusOf('order.paid.card', fields);
    assert.equal(order({ status: 'authorized' }), 'authorized');
    assert.equal(order({ status: 'failed' }), 'failed');
    assert.equal(order({ status: 'created' }), null);
    assert.equal(order({ status: 'pending' }), null);
    assert.equal(order({ status: 'constructor' }), null);
    assert.equal(order({ status: 'refunded', refund_status: 'partial' }), 'partially_refunded');
    assert.equal(order({ status: 'refunded', refund_status: 'full' }), 'refunded');
    assert.equal(order({ status: 'captured', refund_status: 'partial' }), 'partially_refunded');
    // "refunded" alone does not say whether in full; the amounts decide (derivePaymentState).
    assert.equal(order({ status: 'refunded', refund_status: null }), null);
    assert.equal(order({ status: null }), null);
  });

  test("a refund's status comes from its entity and its event type", () => {
    const refundStatus = (name: string, status: unknown) =>
      mapRazorpayEvent(edited(name, { [`${REFUND_ENTITY}.status`]: status }), EVENT_ID).facts.refund
        ?.status ?? null;
    assert.equal(refundStatus('refund.created', 'pending'), 'pending');
    assert.equal(refundStatus('refund.created', 'processed'), 'succeeded');
    assert.equal(refundStatus('refund.created', 'failed'), 'failed');
    assert.equal(refundStatus('refund.created', 'unheard_of'), null);
    assert.equal(refundStatus('refund.processed', 'pending'), 'succeeded');
    assert.equal(refundStatus('refund.failed', 'processed'), 'failed');
    assert.equal(refundStatus('refund.failed', undefined), 'failed');
  });

  test('a refund without the payment in its payload has no payment facts', () => {
    const event = mapRazorpayEvent(edited('refund.processed', { 'payload.payment': undefined }), EVENT_ID);
    assert.equal(event.paymentId, 'pay_FPoJKWQQ8lK13n');
    assert.equal(event.paymentStatus, null);
    assert.equal(event.destinationAccount, null);
    assert.deepEqual(event.facts, {
      paymentAmount: null,
      paymentCurrency: null,
      amountRefunded: null,
      refund: { id: 'rfnd_FS8TWyPrCsa0OB', amount: 50000, status: 'succeeded' },
    });
  });

  test("a refund's payment customer is where the money goes back to", () => {
    const event = mapRazorpayEvent(
      edited('refund.processed', paymentFields({ customer_id: 'cust_C0WlbKhp3aLA7W' })),
      EVENT_ID,
    );
    assert.equal(event.sourceAccount, 'acc_E7OQJcEANmBHTC');
    assert.equal(event.destinationAccount, 'cust_C0WlbKhp3aLA7W');
  });

  test('amounts stay integers as sent; currencies are upper-cased; no account id, no account', () => {
    const event = mapRazorpayEvent(
      edited('payment.captured.card', {
        ...paymentFields({ amount: 9007199254740991, currency: 'kwd' }),
        account_id: undefined,
      }),
      EVENT_ID,
    );
    assert.equal(event.amount, 9007199254740991);
    assert.equal(event.currency, 'KWD');
    assert.equal(event.destinationAccount, null);
  });
});

describe("mapRazorpayEvent refuses what is not Razorpay's envelope", () => {
  test('not an object', () => {
    for (const body of [[], 'payment.captured', 42, null, true, undefined]) {
      assertEnvelopeError(body, ['body'], body === undefined ? 'missing' : 'dict_type');
    }
  });

  test("a Stripe event at Razorpay's mapper", () => {
    assertEnvelopeError(fixtureJson('stripe', 'payment_intent.succeeded'), ['body', 'entity'], 'missing');
  });

  test('entity, event, payload and account_id', () => {
    const captured = (fields: Record<string, unknown>) => edited('payment.captured.card', fields);
    assertEnvelopeError(captured({ entity: 'payment' }), ['body', 'entity'], 'literal_error');
    assertEnvelopeError(captured({ event: undefined }), ['body', 'event'], 'missing');
    assertEnvelopeError(captured({ event: ['payment.captured'] }), ['body', 'event'], 'string_type');
    assertEnvelopeError(captured({ event: '' }), ['body', 'event'], 'string_too_short');
    assertEnvelopeError(captured({ payload: [] }), ['body', 'payload'], 'dict_type');
    assertEnvelopeError(
      captured({ account_id: 'acc with spaces' }),
      ['body', 'account_id'],
      'string_pattern_mismatch',
    );
  });

  test('a payment entity without an id, or whose amount is not a non-negative safe integer', () => {
    const at = (field: string) => ['body', 'payload', 'payment', 'entity', field];
    const withPayment = (fields: Record<string, unknown>) =>
      edited('payment.captured.card', paymentFields(fields));
    assertEnvelopeError(withPayment({ amount: 100.5 }), at('amount'), 'int_type');
    assertEnvelopeError(withPayment({ amount: '100' }), at('amount'), 'int_type');
    assertEnvelopeError(withPayment({ amount: -1 }), at('amount'), 'greater_than_equal');
    assertEnvelopeError(withPayment({ amount: 2 ** 53 }), at('amount'), 'less_than_equal');
    assertEnvelopeError(withPayment({ amount: undefined }), at('amount'), 'missing');
    assertEnvelopeError(withPayment({ id: undefined }), at('id'), 'missing');
    assertEnvelopeError(withPayment({ currency: 'RUPEES' }), at('currency'), 'string_pattern_mismatch');
    assertEnvelopeError(withPayment({ amount_refunded: 0.5 }), at('amount_refunded'), 'int_type');
    assertEnvelopeError(withPayment({ entity: 'refund' }), at('entity'), 'literal_error');
    assertEnvelopeError(
      edited('payment.captured.card', { 'payload.payment': { entity: null } }),
      ['body', 'payload', 'payment', 'entity'],
      'dict_type',
    );
  });

  test('a refund entity whose amount is not an integer', () => {
    assertEnvelopeError(
      edited('refund.processed', { [`${REFUND_ENTITY}.amount`]: 500.0001 }),
      ['body', 'payload', 'refund', 'entity', 'amount'],
      'int_type',
    );
  });

  test('entities the mapping does not read are not checked', () => {
    const event = mapRazorpayEvent(
      edited('subscription.halted', {
        'payload.subscription.entity': 'anything',
        contains: 'whatever',
        extra: { nested: [1, 2, 3] },
      }),
      EVENT_ID,
    );
    assert.equal(event.eventType, 'subscription.halted');
    assert.equal(event.paymentId, null);
  });
});
