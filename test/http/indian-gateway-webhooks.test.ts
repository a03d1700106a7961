import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { describe, test } from 'node:test';
import {
  cashfreeDelivery,
  type Delivery,
  formFields,
  paytmDelivery,
  paytmSampleFields,
  payuDelivery,
  payuSampleText,
  phonepeDelivery,
} from '../helpers/gateway-deliveries.js';
import { request } from '../helpers/http-client.js';
import { fixtureBytes } from '../helpers/provider-fixtures.js';
import { recordingHandler } from '../helpers/recording-handler.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';
import { send, storedCount } from './raw-http.js';

const CASHFREE_SECRETS = ['cf_client_secret_current_5e1b', 'cf_client_secret_previous_9a0d'];
const PAYU_SALTS = ['payu_salt_current_4f7c', 'payu_salt_previous_2b8e'];
const PHONEPE_CREDENTIALS = ['webhook_user:Passw0rd2026', 'old_user:0ldPassw0rd'];
const PAYTM_KEYS = ['kbzk1DSbJiV_O3p5', 'Xy9#kq2@Lm4!Pz7&'];
const API_KEY = 'k_gateway_tests_8d2e';
const AUTH = { authorization: `Bearer ${API_KEY}` };

async function startGateways(t: TestContext, env: Record<string, string> = {}) {
  const recorder = recordingHandler();
  const rt = await startTestRuntime(
    t,
    {
      CASHFREE_WEBHOOK_SECRETS: CASHFREE_SECRETS.join(','),
      PAYU_MERCHANT_KEY: 'rZ1fX4',
      PAYU_MERCHANT_SALTS: PAYU_SALTS.join(','),
      PHONEPE_WEBHOOK_CREDENTIALS: PHONEPE_CREDENTIALS.join(','),
      PAYTM_MERCHANT_KEYS: PAYTM_KEYS.join(','),
      API_KEYS: API_KEY,
      ...env,
    },
    { handler: recorder.handler },
  );
  return { ...recorder, url: rt.url, store: rt.store };
}

const post = (url: string, gateway: string, { body, headers }: Delivery) =>
  send(url, { method: 'POST', path: `/v1/webhooks/${gateway}`, body, headers });

const view = async (url: string, id: string) =>
  (await request(url, 'GET', `/v1/transactions/${encodeURIComponent(id)}`, { headers: AUTH })).body as Record<
    string,
    unknown
  >;

const payment = async (url: string, id: string) =>
  (await request(url, 'GET', `/v1/payments/${encodeURIComponent(id)}`, { headers: AUTH })).body as Record<
    string,
    unknown
  >;

const rawPayload = async (url: string, id: string) => {
  const res = await fetch(`${url}/v1/transactions/${encodeURIComponent(id)}/payload`, { headers: AUTH });
  return { type: res.headers.get('content-type'), text: await res.text() };
};

const processed = (url: string, ids: readonly string[]) =>
  waitFor(
    async () => {
      for (const id of ids) if ((await view(url, id)).status !== 'PROCESSED') return false;
      return true;
    },
    { message: `${ids.length} events PROCESSED` },
  );

/** The fields a record's view states about the payment. */
const facts = (v: Record<string, unknown>) => ({
  provider: v.provider,
  event_type: v.event_type,
  payment_id: v.payment_id,
  payment_status: v.payment_status,
  amount: v.amount,
  currency: v.currency,
});

/**
 * Posts `delivery` and expects 202 under `id`; then posts `again` (the same event delivered
 * again, signed afresh) and expects 202 with nothing new stored.
 */
async function acceptedOnce(
  url: string,
  store: Parameters<typeof storedCount>[0],
  gateway: string,
  delivery: Delivery,
  again: Delivery,
  id: string,
) {
  const first = await post(url, gateway, delivery);
  assert.equal(first.status, 202, first.text);
  assert.deepEqual(first.json, { accepted: true, transaction_id: id, status: 'RECEIVED' });
  const before = await storedCount(store);
  const second = await post(url, gateway, again);
  assert.equal(second.status, 202, second.text);
  assert.equal((second.json as { transaction_id: string }).transaction_id, id);
  assert.equal(await storedCount(store), before, 'a re-delivery stores nothing');
}

describe('POST /v1/webhooks/cashfree', () => {
  test("Cashfree's published success and failure samples, signed with either secret, are stored once under a derived id and read back in paise", async (t) => {
    const { url, store, runs } = await startGateways(t);
    const success = 'cashfree:PAYMENT_SUCCESS_WEBHOOK:1453002795:SUCCESS';
    const failure = 'cashfree:PAYMENT_FAILED_WEBHOOK:1504280029:FAILED';
    await acceptedOnce(
      url,
      store,
      'cashfree',
      cashfreeDelivery(CASHFREE_SECRETS[0]!),
      // A retry: a later timestamp, signed with the other secret; the same body.
      cashfreeDelivery(CASHFREE_SECRETS[1]!, { timestamp: String(Date.now() + 120_000) }),
      success,
    );
    await acceptedOnce(
      url,
      store,
      'cashfree',
      cashfreeDelivery(CASHFREE_SECRETS[1]!, { name: 'PAYMENT_FAILED_WEBHOOK' }),
      cashfreeDelivery(CASHFREE_SECRETS[0]!, { name: 'PAYMENT_FAILED_WEBHOOK' }),
      failure,
    );
    await processed(url, [success, failure]);
    for (const id of [success, failure]) assert.equal(runs.get(id), 1, `${id} processed once`);
    assert.deepEqual(facts(await view(url, success)), {
      provider: 'cashfree',
      event_type: 'PAYMENT_SUCCESS_WEBHOOK',
      payment_id: '1453002795',
      payment_status: 'captured',
      amount: 100,
      currency: 'INR',
    });
    assert.deepEqual(facts(await view(url, failure)), {
      provider: 'cashfree',
      event_type: 'PAYMENT_FAILED_WEBHOOK',
      payment_id: '1504280029',
      payment_status: 'failed',
      amount: 180,
      currency: 'INR',
    });
    // Kept byte for byte: the sample's own indentation and its trailing spaces.
    assert.deepEqual(await rawPayload(url, failure), {
      type: 'application/json; charset=utf-8',
      text: fixtureBytes('cashfree', 'PAYMENT_FAILED_WEBHOOK').toString('utf8'),
    });
    const state = await payment(url, '1453002795');
    assert.deepEqual([state.provider, state.payment_status, state.amount], ['cashfree', 'captured', 100]);
  });

  test('x-idempotency-key names the event when present; rupee decimals become paise from their digits', async (t) => {
    const { url, store } = await startGateways(t);
    const sample = fixtureBytes('cashfree', 'PAYMENT_SUCCESS_WEBHOOK').toString('utf8');
    const withAmount = (amount: string, paymentId: string) =>
      Buffer.from(
        sample
          .replace('"payment_amount":1,', `"payment_amount":${amount},`)
          .replace('"cf_payment_id":"1453002795"', `"cf_payment_id":"${paymentId}"`),
      );
    const key = 'n9rn7079wqXcse3GEDEXCYle9ajXmU0SUQY8zrUNAlc=';
    const first = await post(
      url,
      'cashfree',
      cashfreeDelivery(CASHFREE_SECRETS[0]!, { body: withAmount('170.50', '2001'), idempotencyKey: key }),
    );
    assert.equal(first.status, 202, first.text);
    const id = (first.json as { transaction_id: string }).transaction_id;
    assert.match(id, /^cashfree::[0-9a-f]{64}$/, 'a base64 key becomes a safe, stable id');
    assert.equal((await view(url, id)).amount, 17050);
    const again = await post(
      url,
      'cashfree',
      cashfreeDelivery(CASHFREE_SECRETS[0]!, { body: withAmount('170.50', '2001'), idempotencyKey: key }),
    );
    assert.equal((again.json as { transaction_id: string }).transaction_id, id);

    const dime = await post(
      url,
      'cashfree',
      cashfreeDelivery(CASHFREE_SECRETS[0]!, { body: withAmount('0.10', '2002') }),
    );
    assert.equal(dime.status, 202, dime.text);
    assert.equal((await view(url, (dime.json as { transaction_id: string }).transaction_id)).amount, 10);
    for (const [amount, type] of [
      ['170.505', 'decimal_max_places'],
      ['1e2', 'decimal_parsing'],
      ['-1', 'decimal_parsing'],
      ['"abc"', 'decimal_parsing'],
      ['null', 'decimal_type'],
    ] as const) {
      const stored = await storedCount(store);
      const res = await post(
        url,
        'cashfree',
        cashfreeDelivery(CASHFREE_SECRETS[0]!, { body: withAmount(amount, '2003') }),
      );
      assert.equal(res.status, 422, `${amount}: ${res.text}`);
      assert.equal(
        (res.json as { detail: { type: string; loc: string[] }[] }).detail[0]?.type,
        type,
        `${amount}: ${res.text}`,
      );
      assert.equal(await storedCount(store), stored, `${amount} stored nothing`);
    }
  });
});

describe('POST /v1/webhooks/payu', () => {
  test("PayU's published success and failure forms, hashed by payu-websdk with either salt, are stored once under mihpayid and status, byte for byte", async (t) => {
    // The two samples come from two merchants: each runs with its sample's key.
    for (const [name, key, id, expected] of [
      [
        'payment.successful',
        'rZ1fX4',
        'payu:27553369917:success',
        { payment_id: '27553369917', payment_status: 'captured', amount: 4000, event_type: 'success' },
      ],
      [
        'payment.failed',
        '1LtbLt',
        'payu:27553387529:failure',
        { payment_id: '27553387529', payment_status: 'failed', amount: 200, event_type: 'failure' },
      ],
    ] as const) {
      const { url, store, runs, events } = await startGateways(t, { PAYU_MERCHANT_KEY: key });
      const delivery = payuDelivery(PAYU_SALTS[0]!, { name });
      await acceptedOnce(url, store, 'payu', delivery, payuDelivery(PAYU_SALTS[1]!, { name }), id);
      await processed(url, [id]);
      assert.equal(runs.get(id), 1);
      assert.deepEqual(facts(await view(url, id)), { provider: 'payu', currency: 'INR', ...expected });
      assert.equal((await view(url, id)).destination_account, key, 'the merchant key');
      assert.deepEqual(await rawPayload(url, id), {
        type: 'application/x-www-form-urlencoded; charset=utf-8',
        text: delivery.body.toString('utf8'),
      });
      // A handler reads the form's fields, decoded.
      const payload = events.get(id)?.payload as Record<string, string>;
      assert.equal(payload.mihpayid, expected.payment_id);
      assert.equal(payload.productinfo, formFields(payuSampleText(name)).productinfo);
    }
  });

  test('the additionalCharges variant of the hash verifies; a form sent to a JSON endpoint, or with a field twice, is refused', async (t) => {
    const { url, store } = await startGateways(t);
    const text = `${payuSampleText('payment.successful')}&additionalCharges=2.50`;
    const charged = await post(url, 'payu', payuDelivery(PAYU_SALTS[0]!, { text }));
    assert.equal(charged.status, 202, charged.text);

    const stored = await storedCount(store);
    const signed = payuDelivery(PAYU_SALTS[0]!, { text: text.replace('mihpayid=27553369917', 'mihpayid=1') });
    const twice = { ...signed, body: Buffer.concat([signed.body, Buffer.from('&status=failure')]) };
    assert.equal((await post(url, 'payu', twice)).status, 400);
    assert.equal((await post(url, 'cashfree', signed)).status, 415);
    assert.equal(
      (await post(url, 'payu', { body: signed.body, headers: { 'content-type': 'application/json' } }))
        .status,
      415,
    );
    assert.equal(
      (
        await post(url, 'payu', {
          ...signed,
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=latin1' },
        })
      ).status,
      415,
    );
    assert.equal(await storedCount(store), stored);
  });
});

describe('POST /v1/webhooks/phonepe', () => {
  test("PhonePe's published completed and failed callbacks, authorised as pg-sdk-node computes it, are stored once under event, orderId and state", async (t) => {
    const { url, store, runs } = await startGateways(t);
    const completed = 'phonepe:checkout.order.completed:OMO2403282020198641071317:COMPLETED';
    const failed = 'phonepe:checkout.order.failed:OMO2403282020198641071311:FAILED';
    await acceptedOnce(
      url,
      store,
      'phonepe',
      phonepeDelivery(PHONEPE_CREDENTIALS[0]!),
      phonepeDelivery(PHONEPE_CREDENTIALS[1]!),
      completed,
    );
    await acceptedOnce(
      url,
      store,
      'phonepe',
      phonepeDelivery(PHONEPE_CREDENTIALS[1]!, { name: 'checkout.order.failed' }),
      phonepeDelivery(PHONEPE_CREDENTIALS[0]!, { name: 'checkout.order.failed' }),
      failed,
    );
    await processed(url, [completed, failed]);
    for (const id of [completed, failed]) assert.equal(runs.get(id), 1);
    assert.deepEqual(facts(await view(url, completed)), {
      provider: 'phonepe',
      event_type: 'checkout.order.completed',
      payment_id: 'OMO2403282020198641071317',
      payment_status: 'captured',
      amount: 10000,
      currency: 'INR',
    });
    assert.deepEqual(facts(await view(url, failed)), {
      provider: 'phonepe',
      event_type: 'checkout.order.failed',
      payment_id: 'OMO2403282020198641071311',
      payment_status: 'failed',
      amount: 10000,
      currency: 'INR',
    });
  });
});

describe('POST /v1/webhooks/paytm', () => {
  test("Paytm's published success and failure responses, checksummed by paytmchecksum with either key, are stored once under TXNID and STATUS", async (t) => {
    const { url, store, runs } = await startGateways(t);
    const txnId = '202005081112128XXXXXX68470101509706';
    const success = `paytm:${txnId}:TXN_SUCCESS`;
    const failure = `paytm:${txnId}:TXN_FAILURE`;
    // The failure first: a payment's state moves forward whatever the order (both samples name one TXNID).
    const failed = await paytmDelivery(PAYTM_KEYS[1]!, { name: 'payment-status.failure' });
    await acceptedOnce(
      url,
      store,
      'paytm',
      failed,
      await paytmDelivery(PAYTM_KEYS[0]!, { name: 'payment-status.failure' }),
      failure,
    );
    await acceptedOnce(
      url,
      store,
      'paytm',
      await paytmDelivery(PAYTM_KEYS[0]!),
      await paytmDelivery(PAYTM_KEYS[1]!),
      success,
    );
    await processed(url, [success, failure]);
    for (const id of [success, failure]) assert.equal(runs.get(id), 1);
    assert.deepEqual(facts(await view(url, success)), {
      provider: 'paytm',
      event_type: 'TXN_SUCCESS',
      payment_id: txnId,
      payment_status: 'captured',
      amount: 100,
      currency: 'INR',
    });
    assert.equal((await view(url, failure)).payment_status, 'failed');
    assert.equal((await view(url, success)).destination_account, 'INTEGR7769XXXXXX9383', 'the MID');
    assert.equal(
      (await rawPayload(url, failure)).text,
      failed.body.toString('utf8'),
      'the form byte for byte',
    );
    const state = await payment(url, txnId);
    assert.deepEqual([state.payment_status, state.amount, state.currency], ['captured', 100, 'INR']);
    // The published sample's own fields, as printed, in the order printed.
    assert.deepEqual(
      paytmSampleFields('payment-status.success').map(([n]) => n),
      [...new URLSearchParams(failed.body.toString('utf8')).keys()],
    );
  });
});

describe('every gateway refuses what it did not sign', () => {
  test('unsigned, forged and unknown-secret deliveries get 401 and store nothing', async (t) => {
    const { url, store } = await startGateways(t);
    const cashfree = cashfreeDelivery(CASHFREE_SECRETS[0]!);
    const payu = payuDelivery(PAYU_SALTS[0]!);
    const phonepe = phonepeDelivery(PHONEPE_CREDENTIALS[0]!);
    const paytm = await paytmDelivery(PAYTM_KEYS[0]!);
    const without = (d: Delivery, header: string) => ({
      ...d,
      headers: Object.fromEntries(Object.entries(d.headers).filter(([h]) => h !== header)),
    });
    const cases: Array<[string, string, Delivery]> = [
      ['cashfree unsigned', 'cashfree', without(cashfree, 'x-webhook-signature')],
      ['cashfree without its timestamp', 'cashfree', without(cashfree, 'x-webhook-timestamp')],
      ['cashfree unknown secret', 'cashfree', cashfreeDelivery('not_a_configured_secret')],
      ['cashfree forged body', 'cashfree', { ...cashfree, body: Buffer.from(`${cashfree.body} `) }],
      [
        'cashfree another timestamp',
        'cashfree',
        { ...cashfree, headers: { ...cashfree.headers, 'x-webhook-timestamp': '1746427759734' } },
      ],
      [
        'payu without its hash',
        'payu',
        { ...payu, body: Buffer.from(payu.body.toString().replace(/&hash=[0-9a-f]+/, '')) },
      ],
      ['payu unknown salt', 'payu', payuDelivery('not_a_configured_salt')],
      [
        'payu another amount',
        'payu',
        { ...payu, body: Buffer.from(payu.body.toString().replace('amount=40.00', 'amount=4000.00')) },
      ],
      ['payu another key', 'payu', payuDelivery(PAYU_SALTS[0]!, { key: 'Other1' })],
      ['phonepe unauthorised', 'phonepe', without(phonepe, 'authorization')],
      ['phonepe other credentials', 'phonepe', phonepeDelivery('webhook_user:wrong-password')],
      [
        'phonepe basic auth',
        'phonepe',
        {
          ...phonepe,
          headers: { ...phonepe.headers, authorization: 'Basic d2ViaG9va191c2VyOlBhc3N3MHJkMjAyNg==' },
        },
      ],
      [
        'paytm without its checksum',
        'paytm',
        { ...paytm, body: Buffer.from(paytm.body.toString().replace(/&CHECKSUMHASH=[^&]*/, '')) },
      ],
      ['paytm unknown key', 'paytm', await paytmDelivery('AAAAAAAAAAAAAAAA')],
      [
        'paytm another amount',
        'paytm',
        { ...paytm, body: Buffer.from(paytm.body.toString().replace('TXNAMOUNT=1.00', 'TXNAMOUNT=100.00')) },
      ],
      [
        'paytm garbage checksum',
        'paytm',
        {
          ...paytm,
          body: Buffer.from(paytm.body.toString().replace(/CHECKSUMHASH=[^&]*/, 'CHECKSUMHASH=abc')),
        },
      ],
    ];
    for (const [label, gateway, delivery] of cases) {
      const res = await post(url, gateway, delivery);
      assert.equal(res.status, 401, `${label}: ${res.text}`);
      assert.ok(typeof (res.json as { detail: unknown }).detail === 'string', `${label} says why`);
    }
    assert.equal(await storedCount(store), 0, 'nothing stored at all');
  });

  test('an endpoint whose settings are unset answers 403 naming its variables, and stores nothing', async (t) => {
    const rt = await startTestRuntime(t, {});
    const deliveries: Array<[string, Delivery, RegExp]> = [
      ['cashfree', cashfreeDelivery(CASHFREE_SECRETS[0]!), /CASHFREE_WEBHOOK_SECRETS/],
      ['payu', payuDelivery(PAYU_SALTS[0]!), /PAYU_MERCHANT_KEY and PAYU_MERCHANT_SALTS/],
      ['phonepe', phonepeDelivery(PHONEPE_CREDENTIALS[0]!), /PHONEPE_WEBHOOK_CREDENTIALS/],
      ['paytm', await paytmDelivery(PAYTM_KEYS[0]!), /PAYTM_MERCHANT_KEYS/],
    ];
    for (const [gateway, delivery, variable] of deliveries) {
      const res = await post(rt.url, gateway, delivery);
      assert.equal(res.status, 403, `${gateway}: ${res.text}`);
      assert.match((res.json as { detail: string }).detail, variable);
    }
    assert.equal(await storedCount(rt.store), 0);
  });
});
