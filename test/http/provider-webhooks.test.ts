import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { describe, test } from 'node:test';
import Stripe from 'stripe';
import { request } from '../helpers/http-client.js';
import { fixtureBytes, fixtureNames } from '../helpers/provider-fixtures.js';
import { recordingHandler } from '../helpers/recording-handler.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';
import { storedCount } from './raw-http.js';

const RAZORPAY_SECRETS = ['rzp_webhook_secret_current', 'rzp_webhook_secret_previous'];
const STRIPE_SECRET = 'whsec_c3RyaXBlLWVuZHBvaW50LXNlY3JldC1jdXJyZW50';
const API_KEY = 'k_provider_tests_4c1d';
const AUTH = { authorization: `Bearer ${API_KEY}` };

const stripeWebhooks = new Stripe('sk_test_signatures_only').webhooks;

/** Razorpay's scheme: the hex HMAC-SHA256 of the raw body with the webhook secret. */
const razorpaySignature = (body: Buffer, secret: string) =>
  createHmac('sha256', secret).update(body).digest('hex');

/** Stripe's header, made by Stripe's own library. */
const stripeSignature = (body: Buffer, secret = STRIPE_SECRET, timestamp = Math.floor(Date.now() / 1000)) =>
  stripeWebhooks.generateTestHeaderString({ payload: body.toString('utf8'), secret, timestamp });

const newEventId = () => `Ev${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`;

/**
 * Stripe's published fixture `name` with its event id made unique (the fixtures' ids are all
 * zeros): the id's bytes are replaced in place, Stripe's whitespace is untouched.
 */
function stripeFixture(name: string, eventId = `evt_${randomBytes(18).toString('hex').slice(0, 24)}`) {
  const text = fixtureBytes('stripe', name).toString('utf8');
  const replaced = text.replace(/"id": "evt_[0-9A-Za-z]+"/, `"id": "${eventId}"`);
  assert.notEqual(replaced, text, `${name} names its event id`);
  return { eventId, body: Buffer.from(replaced, 'utf8') };
}

const postRazorpay = (url: string, body: Buffer, eventId: string, secret = RAZORPAY_SECRETS[0]!) =>
  request(url, 'POST', '/v1/webhooks/razorpay', {
    body,
    headers: {
      'content-type': 'application/json',
      'x-razorpay-event-id': eventId,
      'x-razorpay-signature': razorpaySignature(body, secret),
      'user-agent': 'Razorpay-Webhook/v1',
    },
  });

const postStripe = (url: string, body: Buffer, signature = stripeSignature(body)) =>
  request(url, 'POST', '/v1/webhooks/stripe', {
    body,
    headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature },
  });

async function startProviders(t: TestContext, env: Record<string, string> = {}) {
  const recorder = recordingHandler();
  const rt = await startTestRuntime(
    t,
    {
      RAZORPAY_WEBHOOK_SECRETS: RAZORPAY_SECRETS.join(','),
      STRIPE_WEBHOOK_SECRETS: STRIPE_SECRET,
      API_KEYS: API_KEY,
      ...env,
    },
    { handler: recorder.handler },
  );
  return { ...recorder, url: rt.url, store: rt.store };
}

const view = async (url: string, id: string) =>
  (await request(url, 'GET', `/v1/transactions/${id}`, { headers: AUTH })).body as Record<string, unknown>;

const processed = (url: string, ids: readonly string[]) =>
  waitFor(
    async () => {
      for (const id of ids) if ((await view(url, id)).status !== 'PROCESSED') return false;
      return true;
    },
    { message: `${ids.length} events PROCESSED` },
  );

describe('POST /v1/webhooks/razorpay', () => {
  test('every published sample, signed with either of two secrets, is stored once under its event id and processed once; re-deliveries are not', async (t) => {
    const { url, runs, events } = await startProviders(t);
    const names = fixtureNames('razorpay');
    const ids = new Map<string, string>();
    for (const [i, name] of names.entries()) {
      const eventId = newEventId();
      ids.set(name, eventId);
      const res = await postRazorpay(url, fixtureBytes('razorpay', name), eventId, RAZORPAY_SECRETS[i % 2]);
      assert.equal(res.status, 202, `${name}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(res.body, { accepted: true, transaction_id: eventId, status: 'RECEIVED' });
    }
    await processed(url, [...ids.values()]);
    for (const [name, eventId] of ids) {
      const again = await postRazorpay(url, fixtureBytes('razorpay', name), eventId);
      assert.equal(again.status, 202);
      assert.equal((again.body as { status: string }).status, 'PROCESSED');
    }
    for (const eventId of ids.values()) assert.equal(runs.get(eventId), 1, `${eventId} ran once`);

    const captured = await view(url, ids.get('payment.captured.card')!);
    assert.deepEqual(
      {
        provider: captured.provider,
        event_type: captured.event_type,
        payment_id: captured.payment_id,
        payment_status: captured.payment_status,
        amount: captured.amount,
        currency: captured.currency,
        destination_account: captured.destination_account,
      },
      {
        provider: 'razorpay',
        event_type: 'payment.captured',
        payment_id: 'pay_DESp9bgForNoUd',
        payment_status: 'captured',
        amount: 100,
        currency: 'INR',
        destination_account: 'acc_BFQ7uQEaa7j2z7',
      },
    );
    const refund = await view(url, ids.get('refund.processed')!);
    assert.equal(refund.event_type, 'refund.processed');
    assert.equal(refund.payment_id, 'pay_FPoJKWQQ8lK13n');
    assert.equal(refund.amount, 50000, "a refund event's amount is the refund's");
    const order = await view(url, ids.get('order.paid.card')!);
    assert.equal(order.payment_id, 'pay_DESp9bgForNoUd');
    const halted = await view(url, ids.get('subscription.halted')!);
    assert.deepEqual(
      [halted.event_type, halted.payment_id, halted.payment_status, halted.amount, halted.currency],
      ['subscription.halted', null, null, null, null],
    );
    const event = events.get(ids.get('payment.captured.card')!)!;
    assert.equal(event.provider, 'razorpay');
    assert.equal(event.type, 'payment.captured');
    assert.equal(event.paymentId, 'pay_DESp9bgForNoUd');
    // The handler's payload is the body as sent, parsed.
    assert.deepEqual(
      event.payload,
      JSON.parse(fixtureBytes('razorpay', 'payment.captured.card').toString('utf8')),
    );
  });

  test('forged, unsigned, unknown-secret and id-less deliveries are refused and leave nothing behind', async (t) => {
    const { url, store } = await startProviders(t);
    const body = fixtureBytes('razorpay', 'payment.captured.card');
    const cases: Array<[string, Record<string, string>, number]> = [
      ['unsigned', {}, 401],
      ['unknown secret', { 'x-razorpay-signature': razorpaySignature(body, 'not_a_configured_secret') }, 401],
      [
        'forged',
        { 'x-razorpay-signature': razorpaySignature(Buffer.from(`${body} `), RAZORPAY_SECRETS[0]!) },
        401,
      ],
      ['not hex', { 'x-razorpay-signature': 'z'.repeat(64) }, 401],
      [
        'no event id',
        { 'x-razorpay-signature': razorpaySignature(body, RAZORPAY_SECRETS[0]!), 'x-razorpay-event-id': '' },
        422,
      ],
    ];
    for (const [label, headers, status] of cases) {
      const eventId = newEventId();
      const res = await request(url, 'POST', '/v1/webhooks/razorpay', {
        body,
        headers: { 'content-type': 'application/json', 'x-razorpay-event-id': eventId, ...headers },
      });
      assert.equal(res.status, status, `${label}: ${JSON.stringify(res.body)}`);
      assert.ok((res.body as { detail: unknown }).detail, `${label} says why`);
      assert.equal(await store.get(eventId), null, `${label} stored nothing`);
    }
    // A verified body that is not Razorpay's envelope.
    for (const text of ['[]', '{"event":"payment.captured"}', '{"entity":"event","event":7,"payload":{}}']) {
      const eventId = newEventId();
      const res = await postRazorpay(url, Buffer.from(text), eventId);
      assert.equal(res.status, 422, `${text}: ${JSON.stringify(res.body)}`);
      assert.equal(await store.get(eventId), null);
    }
    assert.equal(await storedCount(store), 0, 'nothing stored at all');
  });

  test('50 concurrent copies of one event make one record and one processing', async (t) => {
    const { url, runs, store } = await startProviders(t);
    const eventId = newEventId();
    const body = fixtureBytes('razorpay', 'payment.authorized.card');
    const answers = await Promise.all(Array.from({ length: 50 }, () => postRazorpay(url, body, eventId)));
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([202]));
    await processed(url, [eventId]);
    assert.equal(runs.get(eventId), 1);
    assert.equal(await storedCount(store), 1);
  });
});

describe('POST /v1/webhooks/stripe', () => {
  test('every published event, signed by stripe-node with the whsec_ secret as it is, is stored once and processed once', async (t) => {
    const { url, runs } = await startProviders(t);
    // One delivery exactly as published, byte for byte, with Stripe's own whitespace.
    const exact = fixtureBytes('stripe', 'payment_intent.succeeded');
    assert.match(exact.toString('utf8'), /\{\n\s*\}/, 'the fixture prints an empty object over two lines');
    const first = await postStripe(url, exact);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    const exactId = (first.body as { transaction_id: string }).transaction_id;
    assert.equal(exactId, 'evt_000000000000000000000000');

    const ids = new Map<string, string>();
    for (const name of fixtureNames('stripe')) {
      const { eventId, body } = stripeFixture(name);
      ids.set(name, eventId);
      const res = await postStripe(url, body);
      assert.equal(res.status, 202, `${name}: ${JSON.stringify(res.body)}`);
    }
    await processed(url, [exactId, ...ids.values()]);
    for (const name of ['payment_intent.succeeded', 'charge.succeeded']) {
      const { body } = stripeFixture(name, ids.get(name));
      assert.equal((await postStripe(url, body)).status, 202, 're-delivery');
    }
    for (const id of [exactId, ...ids.values()]) assert.equal(runs.get(id), 1, `${id} ran once`);

    const succeeded = await view(url, ids.get('payment_intent.succeeded')!);
    assert.deepEqual(
      [succeeded.provider, succeeded.event_type, succeeded.payment_id, succeeded.payment_status],
      ['stripe', 'payment_intent.succeeded', 'pi_000000000000000000000000', 'captured'],
    );
    assert.equal(succeeded.amount, 2000);
    assert.equal(succeeded.currency, 'USD', 'upper-case');
    const failed = await view(url, ids.get('payment_intent.payment_failed')!);
    assert.equal(failed.payment_status, 'failed');
    const charge = await view(url, ids.get('charge.succeeded')!);
    assert.equal(charge.event_type, 'charge.succeeded');
    assert.equal(charge.payment_status, 'captured');
    const payout = await view(url, ids.get('payout.paid')!);
    assert.deepEqual([payout.payment_id, payout.payment_status, payout.amount], [null, null, null]);
  });

  test('forged, unsigned, unknown-secret, 10-minute-old and Standard-Webhooks-decoded signatures get 401 and store nothing', async (t) => {
    const { url, store } = await startProviders(t);
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, (body: Buffer) => string | undefined]> = [
      ['unsigned', () => undefined],
      ['unknown secret', (body) => stripeSignature(body, 'whsec_bm90LWNvbmZpZ3VyZWQtYW55d2hlcmU')],
      ['forged body', (body) => stripeSignature(Buffer.concat([body, Buffer.from(' ')]))],
      ['ten minutes old', (body) => stripeSignature(body, STRIPE_SECRET, now - 600)],
      ['garbage', () => 't=soon,v1=nothex'],
      [
        // The scheme follows the endpoint: the secret's base64 reading (Standard Webhooks) is not Stripe's key.
        'key decoded from base64',
        (body) =>
          `t=${now},v1=${createHmac('sha256', Buffer.from(STRIPE_SECRET.slice(6), 'base64'))
            .update(`${now}.`)
            .update(body)
            .digest('hex')}`,
      ],
    ];
    for (const [label, sign] of cases) {
      const { eventId, body } = stripeFixture('charge.succeeded');
      const signature = sign(body);
      const res = await request(url, 'POST', '/v1/webhooks/stripe', {
        body,
        headers: {
          'content-type': 'application/json',
          ...(signature ? { 'stripe-signature': signature } : {}),
        },
      });
      assert.equal(res.status, 401, `${label}: ${JSON.stringify(res.body)}`);
      assert.equal(await store.get(eventId), null, `${label} stored nothing`);
    }
    for (const text of ['{"id":"evt_1","object":"event"}', '"evt_1"', '{"object":"list","data":[]}']) {
      const res = await postStripe(url, Buffer.from(text));
      assert.equal(res.status, 422, `${text}: ${JSON.stringify(res.body)}`);
    }
    assert.equal(await storedCount(store), 0, 'nothing stored at all');
  });
});

test('a provider whose secrets are not configured accepts nothing and says which variable enables it', async (t) => {
  const recorder = recordingHandler();
  const rt = await startTestRuntime(
    t,
    { RAZORPAY_WEBHOOK_SECRETS: RAZORPAY_SECRETS[0]! },
    { handler: recorder.handler },
  );
  const { body } = stripeFixture('charge.succeeded');
  const res = await postStripe(rt.url, body);
  assert.equal(res.status, 403);
  assert.match((res.body as { detail: string }).detail, /STRIPE_WEBHOOK_SECRETS/);
  const bare = await startTestRuntime(t, {}, { handler: recorder.handler });
  const refused = await postRazorpay(
    bare.url,
    fixtureBytes('razorpay', 'payment.captured.card'),
    newEventId(),
  );
  assert.equal(refused.status, 403);
  assert.match((refused.body as { detail: string }).detail, /RAZORPAY_WEBHOOK_SECRETS/);
  for (const store of [rt.store, bare.store]) {
    assert.equal(await storedCount(store), 0);
  }
});

describe('GET /v1/payments/{payment_id}', () => {
  const payment = async (url: string, id: string, headers: Record<string, string> = AUTH) =>
    request(url, 'GET', `/v1/payments/${id}`, { headers });

  test('captured, authorized and failed arriving in that order leave the payment captured', async (t) => {
    const { url } = await startProviders(t);
    const ids: string[] = [];
    for (const name of ['payment.captured.card', 'payment.authorized.card', 'payment.failed.card']) {
      const eventId = newEventId();
      ids.push(eventId);
      assert.equal((await postRazorpay(url, fixtureBytes('razorpay', name), eventId)).status, 202);
    }
    await processed(url, ids);
    const res = await payment(url, 'pay_DESp9bgForNoUd');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const body = res.body as Record<string, unknown> & { events: Array<Record<string, unknown>> };
    assert.equal(body.payment_id, 'pay_DESp9bgForNoUd');
    assert.equal(body.provider, 'razorpay');
    assert.equal(body.payment_status, 'captured');
    assert.equal(body.amount, 100);
    assert.equal(body.currency, 'INR');
    assert.equal(body.amount_refunded, 0);
    assert.deepEqual(body.events.map((e) => e.transaction_id).sort(), [...ids].sort());
    assert.deepEqual(
      new Set(body.events.map((e) => e.event_type)),
      new Set(['payment.captured', 'payment.authorized', 'payment.failed']),
    );
    for (const e of body.events) assert.equal(e.status, 'PROCESSED');
  });

  test('failed then captured ends captured; refunds move it on by amount; unknown ids are 404; reads need the key', async (t) => {
    const { url } = await startProviders(t);
    for (const name of ['payment.failed.card', 'payment.captured.card']) {
      assert.equal((await postRazorpay(url, fixtureBytes('razorpay', name), newEventId())).status, 202);
    }
    assert.equal(
      ((await payment(url, 'pay_DESp9bgForNoUd')).body as { payment_status: string }).payment_status,
      'captured',
    );

    // Razorpay's refund samples: 50000 of a 500000 payment, whose snapshot already counts 190000 refunded.
    assert.equal(
      (await postRazorpay(url, fixtureBytes('razorpay', 'refund.processed'), newEventId())).status,
      202,
    );
    const refunded = (await payment(url, 'pay_FPoJKWQQ8lK13n')).body as Record<string, unknown>;
    assert.equal(refunded.payment_status, 'partially_refunded');
    assert.equal(refunded.amount_refunded, 190000);
    assert.equal(refunded.amount, 500000);

    assert.equal((await payment(url, 'pay_unknown123')).status, 404);
    assert.equal((await payment(url, 'pay_DESp9bgForNoUd', {})).status, 401);
    assert.equal((await payment(url, 'not%20an%20id')).status, 422);
  });
});
