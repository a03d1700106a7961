import assert from 'node:assert/strict';
import { test } from 'node:test';
import Razorpay from 'razorpay';
import Stripe from 'stripe';
import { startRazorpayStandIn, startStripeStandIn } from '../helpers/provider-api-stand-ins.js';
import {
  razorpayPayment,
  razorpayPaymentId,
  STRIPE_PAYMENT_FIXTURES,
  stripeFixtureEvent,
} from '../helpers/reconcile-fixtures.js';

// The stand-ins are checked with the providers' own SDKs: what stripe-node and razorpay send and
// expect back is the protocol the stand-ins must speak, so the service is not tested against a
// stand-in made to agree with it.

const KEY = 'sk_test_standInCheck';

test("stripe-node's auto-pagination reads the Stripe stand-in: newest first, created[gte] applied, every event once, even when events are created meanwhile", async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const events = Array.from({ length: 250 }, (_, i) =>
    stripeFixtureEvent(STRIPE_PAYMENT_FIXTURES[i % STRIPE_PAYMENT_FIXTURES.length]!, {
      created: now - 10_000 + i * 10,
    }),
  );
  const standIn = await startStripeStandIn(
    t,
    KEY,
    events.map((e) => e.event),
  );
  const url = new URL(standIn.url);
  const stripe = new Stripe(KEY, {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    maxNetworkRetries: 0,
  });
  const gte = now - 10_000 + 30 * 10;
  standIn.intercept = (_request, index) => {
    // New events created while the client pages: before its first page, so not on later ones.
    if (index === 1) standIn.add(stripeFixtureEvent('charge.succeeded', { created: now + 5 }).event);
    return undefined;
  };
  const listed: string[] = [];
  for await (const event of stripe.events.list({ created: { gte }, limit: 100 })) listed.push(event.id);
  const expected = events
    .filter((e) => (e.event.created as number) >= gte)
    .reverse()
    .map((e) => e.eventId);
  assert.deepEqual(listed, expected);
  assert.deepEqual(
    standIn.requests.map((r) => [
      r.query.get('created[gte]'),
      r.query.get('limit'),
      r.query.get('starting_after'),
    ]),
    [
      [String(gte), '100', null],
      [String(gte), '100', expected[99]],
      [String(gte), '100', expected[199]!],
    ],
  );
  await assert.rejects(
    new Stripe('sk_test_wrong', {
      host: url.hostname,
      port: Number(url.port),
      protocol: 'http',
      maxNetworkRetries: 0,
    }).events.list(),
    (error: { type?: string; statusCode?: number }) =>
      error.type === 'StripeAuthenticationError' && error.statusCode === 401,
  );
  await assert.rejects(stripe.events.list({ limit: 101 }), /limit/);
});

test("razorpay's SDK reads the Razorpay stand-in: from and to bound created_at, count and skip page, newest first", async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const payments = Array.from({ length: 150 }, (_, i) =>
    razorpayPayment({
      id: razorpayPaymentId(),
      status: 'captured',
      amount: 100 + i,
      createdAt: now - 100 * i,
    }),
  );
  const standIn = await startRazorpayStandIn(t, 'rzp_test_sdk', 'sdk_secret', payments);
  const razorpay = new Razorpay({ key_id: 'rzp_test_sdk', key_secret: 'sdk_secret' });
  // The SDK has no option for its host: its HTTP client is pointed at the stand-in.
  (razorpay as unknown as { api: { rq: { defaults: { baseURL: string } } } }).api.rq.defaults.baseURL =
    standIn.url;
  const from = now - 100 * 120;
  const pages = [];
  for (let skip = 0; ; skip += 50) {
    const page = (await razorpay.payments.all({ from, to: now, count: 50, skip })) as unknown as {
      entity: string;
      count: number;
      items: { id: string }[];
    };
    assert.equal(page.entity, 'collection');
    assert.equal(page.count, page.items.length);
    pages.push(page.items.map((p) => p.id));
    if (page.items.length < 50) break;
  }
  assert.deepEqual(
    pages.flat(),
    payments.slice(0, 121).map((p) => p.id),
  );
  assert.deepEqual(Object.fromEntries(standIn.requests[1]!.query), {
    from: String(from),
    to: String(now),
    count: '50',
    skip: '50',
  });
  const wrong = new Razorpay({ key_id: 'rzp_test_sdk', key_secret: 'wrong' });
  (wrong as unknown as { api: { rq: { defaults: { baseURL: string } } } }).api.rq.defaults.baseURL =
    standIn.url;
  await assert.rejects(wrong.payments.all({}), (error: { statusCode?: number }) => error.statusCode === 401);
});
