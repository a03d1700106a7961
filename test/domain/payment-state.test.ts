import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { derivePaymentState, type PaymentEventRecord } from '../../src/domain/payment-state.js';
import type { ProviderEvent } from '../../src/domain/provider-event.js';
import { mapRazorpayEvent } from '../../src/providers/razorpay/razorpay-event.js';
import { mapStripeEvent } from '../../src/providers/stripe/stripe-event.js';
import { fixtureJson, withFields } from '../helpers/provider-fixtures.js';

const T0 = Date.UTC(2026, 0, 1);

/** A Razorpay fixture's event under `eventId`, with `fields` of its body (dotted paths) replaced first. */
const razorpay = (name: string, eventId: string, fields: Record<string, unknown> = {}): ProviderEvent =>
  mapRazorpayEvent(withFields(fixtureJson('razorpay', name), fields), eventId);

/** A Stripe fixture's event under `eventId` (the published fixtures all share one zeroed id). */
const stripe = (name: string, eventId: string): ProviderEvent =>
  mapStripeEvent(fixtureJson('stripe', name), eventId);

/** Records of `events` received one second apart, in the order given. */
const received = (events: readonly ProviderEvent[]): PaymentEventRecord[] =>
  events.map((event, i) => ({ event, status: 'PROCESSED', receivedAt: new Date(T0 + i * 1000) }));

const stateOf = (paymentId: string, events: readonly ProviderEvent[]) => {
  const state = derivePaymentState(paymentId, received(events));
  assert.ok(state);
  return state;
};

// One card payment, pay_DESp9bgForNoUd of 100 paise, as Razorpay's samples publish it. The event
// ids are chosen so that the failed event, whose sample sends "currency": "", sorts first.
const CARD = {
  failed: razorpay('payment.failed.card', 'A_failed'),
  authorized: razorpay('payment.authorized.card', 'B_authorized'),
  captured: razorpay('payment.captured.card', 'C_captured'),
  orderPaid: razorpay('order.paid.card', 'D_order_paid'),
};

// pay_FPoJKWQQ8lK13n, 500000 paise: its capture (the captured sample, re-keyed to it), the
// published refund rfnd_FS8TWyPrCsa0OB of 50000 created, processed and failed (one refund,
// three statuses), and a second refund of the remaining 310000 whose payment snapshot says `full`.
const REFUNDED_PAYMENT = 'pay_FPoJKWQQ8lK13n';
const REFUNDS = {
  captured: razorpay('payment.captured.card', 'rzp_captured', {
    'payload.payment.entity.id': REFUNDED_PAYMENT,
    'payload.payment.entity.amount': 500000,
  }),
  created: razorpay('refund.created', 'rzp_refund_created'),
  processed: razorpay('refund.processed', 'rzp_refund_processed'),
  failed: razorpay('refund.failed', 'rzp_refund_failed'),
  rest: razorpay('refund.processed', 'rzp_refund_rest', {
    'payload.refund.entity.id': 'rfnd_FS8TWyPrRest01',
    'payload.refund.entity.amount': 310000,
    'payload.payment.entity.amount_refunded': 500000,
    'payload.payment.entity.refund_status': 'full',
    'payload.payment.entity.status': 'refunded',
  }),
};

// The zeroed PaymentIntent of Stripe's published events, 2000 cents.
const INTENT = {
  failed: stripe('payment_intent.payment_failed', 'evt_pi_failed'),
  authorized: stripe('payment_intent.amount_capturable_updated', 'evt_pi_capturable'),
  canceled: stripe('payment_intent.canceled', 'evt_pi_canceled'),
  captured: stripe('payment_intent.succeeded', 'evt_pi_succeeded'),
  charged: stripe('charge.succeeded', 'evt_ch_succeeded'),
  chargeFailed: stripe('charge.failed', 'evt_ch_failed'),
};

describe('derivePaymentState', () => {
  test('no events, no state', () => {
    assert.equal(derivePaymentState('pay_none', []), null);
  });

  test('captured, authorized, failed (in that order) ends captured', () => {
    const state = stateOf('pay_DESp9bgForNoUd', [CARD.captured, CARD.authorized, CARD.failed]);
    assert.equal(state.paymentStatus, 'captured');
    assert.equal(state.amount, 100);
    assert.equal(state.amountRefunded, 0);
    assert.deepEqual(
      state.events.map((r) => r.event.eventId),
      ['C_captured', 'B_authorized', 'A_failed'],
    );
  });

  test('failed then captured ends captured: a failed payment can still be captured', () => {
    assert.equal(stateOf('pay_DESp9bgForNoUd', [CARD.failed, CARD.captured]).paymentStatus, 'captured');
    assert.equal(
      stateOf('pi_000000000000000000000000', [INTENT.failed, INTENT.captured]).paymentStatus,
      'captured',
    );
  });

  test('a failed payment alone is failed; an authorized one authorized', () => {
    assert.equal(stateOf('pay_DESp9bgForNoUd', [CARD.failed]).paymentStatus, 'failed');
    assert.equal(
      stateOf('pi_000000000000000000000000', [INTENT.failed, INTENT.authorized]).paymentStatus,
      'authorized',
    );
    assert.equal(stateOf('pi_000000000000000000000000', [INTENT.canceled]).paymentStatus, null);
  });

  test('the currency comes from the events that state it, whichever sorts first', () => {
    const state = stateOf('pay_DESp9bgForNoUd', [CARD.captured, CARD.failed]);
    assert.equal(state.currency, 'INR');
    assert.equal(stateOf('pay_DESp9bgForNoUd', [CARD.failed]).currency, null);
  });

  test('a partial refund: the payment snapshot states 190000 of 500000 refunded', () => {
    const state = stateOf(REFUNDED_PAYMENT, [REFUNDS.captured, REFUNDS.processed]);
    assert.equal(state.paymentStatus, 'partially_refunded');
    assert.equal(state.amount, 500000);
    assert.equal(state.currency, 'INR');
    assert.equal(state.amountRefunded, 190000);
  });

  test('one refund delivered as processed and as failed counts as failed, in either order', () => {
    const withoutSnapshot = (name: string, id: string) =>
      razorpay(name, id, { 'payload.payment': undefined });
    const processed = withoutSnapshot('refund.processed', 'r1');
    const failed = withoutSnapshot('refund.failed', 'r2');
    assert.equal(stateOf(REFUNDED_PAYMENT, [processed]).amountRefunded, 50000);
    assert.equal(stateOf(REFUNDED_PAYMENT, [processed]).paymentStatus, 'partially_refunded');
    for (const order of [
      [processed, failed],
      [failed, processed],
    ]) {
      const state = stateOf(REFUNDED_PAYMENT, order);
      assert.equal(state.amountRefunded, 0);
      assert.equal(state.paymentStatus, null);
    }
  });

  test('refunded in full: by the amounts, and by the snapshot', () => {
    const state = stateOf(REFUNDED_PAYMENT, [REFUNDS.rest, REFUNDS.captured, REFUNDS.failed]);
    assert.equal(state.paymentStatus, 'refunded');
    assert.equal(state.amountRefunded, 500000);
    const legacyCharge = stateOf('ch_000000000000000000000000', [
      stripe('charge.refunded', 'evt_ch_refunded'),
    ]);
    assert.equal(legacyCharge.paymentStatus, 'refunded');
    assert.equal(legacyCharge.amountRefunded, 100);
    assert.equal(legacyCharge.currency, 'USD');
  });
});

/**
 * Every order of arrival of a payment's events, redeliveries included, gives the same state as
 * the order the events happened in.
 */
function assertOrderIndependent(paymentId: string, events: readonly ProviderEvent[]) {
  fc.assert(
    fc.property(
      fc
        .subarray([...events], { minLength: 1 })
        .chain((happened) =>
          fc.tuple(
            fc.constant(happened),
            fc.shuffledSubarray(happened, { minLength: happened.length, maxLength: happened.length }),
            fc.array(fc.constantFrom(...happened), { maxLength: 3 }),
          ),
        ),
      ([happened, arrived, redelivered]) => {
        const expected = stateOf(paymentId, happened);
        const actual = stateOf(paymentId, [...arrived, ...redelivered]);
        assert.equal(actual.paymentStatus, expected.paymentStatus);
        assert.equal(actual.amountRefunded, expected.amountRefunded);
        assert.equal(actual.amount, expected.amount);
        assert.equal(actual.currency, expected.currency);
        assert.equal(actual.events.length, arrived.length + redelivered.length);
      },
    ),
    { numRuns: 500 },
  );
}

describe('derivePaymentState in any order of arrival (property)', () => {
  test('a Razorpay card payment: authorized, captured, failed, order paid', () => {
    assertOrderIndependent('pay_DESp9bgForNoUd', Object.values(CARD));
  });

  test('a Razorpay payment with a partial refund delivered three times and a full refund', () => {
    assertOrderIndependent(REFUNDED_PAYMENT, Object.values(REFUNDS));
    const all = stateOf(REFUNDED_PAYMENT, Object.values(REFUNDS));
    assert.equal(all.paymentStatus, 'refunded');
    assert.equal(all.amountRefunded, 500000);
  });

  test('a Stripe PaymentIntent and its charges', () => {
    assertOrderIndependent('pi_000000000000000000000000', Object.values(INTENT));
    assert.equal(stateOf('pi_000000000000000000000000', Object.values(INTENT)).paymentStatus, 'captured');
  });
});
