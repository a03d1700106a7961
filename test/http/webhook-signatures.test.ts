import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config.js';
import { buildSenderVerifier } from '../../src/http/signatures/sender-verifier.js';
import {
  signStandardWebhook,
  standardWebhooksKey,
  verifyStandardWebhook,
} from '../../src/http/signatures/standard-webhooks-signature.js';
import { signRazorpay, verifyRazorpay } from '../../src/providers/razorpay/razorpay-signature.js';
import { uniqueId } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import {
  LEAK,
  razorpaySignature,
  send,
  standardWebhooksHeaders,
  storedCount,
  WEBHOOK_PATH,
} from './raw-http.js';

// Published vector of the Razorpay Node SDK (test/utils/razorpay-utils.spec.js, validateWebhookSignature).
const RAZORPAY_SDK = {
  body: '{"a":1,"b":2,"c":{"d":3}}',
  secret: '123456',
  signature: '2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc',
};

// Published vectors of the Standard Webhooks JavaScript library (libraries/javascript/src/webhook.test.ts).
const STANDARD = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: '1614265330',
  body: '{"test": 2432232314}',
  signature: 'g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  // From its "multi sig payload is valid" test: signatures that are wrong or of another version.
  decoys: [
    'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
    'v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
  ],
};
const STANDARD_NOW = Number(STANDARD.timestamp);

const RAZORPAY_SECRET = 'rzp_webhook_secret_current';
const RAZORPAY_OLD_SECRET = 'rzp_webhook_secret_previous';
const WHSEC = 'whsec_c2VjcmV0LWtleS1mb3ItdGhlLXN0YW5kYXJkLXNjaGVtZQ==';
const API_KEY = 'api-key-for-signature-tests';

describe('Razorpay scheme', () => {
  const keys = [Buffer.from(RAZORPAY_SDK.secret)];
  const body = Buffer.from(RAZORPAY_SDK.body);

  test("accepts the Razorpay SDK's published signature and refuses its wrong one", () => {
    assert.equal(signRazorpay(RAZORPAY_SDK.secret, body), RAZORPAY_SDK.signature);
    assert.equal(verifyRazorpay(keys, body, RAZORPAY_SDK.signature), true);
    assert.equal(verifyRazorpay(keys, body, 'sdfafds'), false);
  });

  test('hex case does not matter; length, other bytes and other secrets do', () => {
    assert.equal(verifyRazorpay(keys, body, RAZORPAY_SDK.signature.toUpperCase()), true);
    assert.equal(verifyRazorpay(keys, body, RAZORPAY_SDK.signature.slice(0, 63)), false);
    assert.equal(verifyRazorpay(keys, body, `${RAZORPAY_SDK.signature}00`), false);
    assert.equal(verifyRazorpay(keys, body, ` ${RAZORPAY_SDK.signature}`), false);
    assert.equal(verifyRazorpay(keys, body, ''), false);
    assert.equal(verifyRazorpay(keys, Buffer.from(`${RAZORPAY_SDK.body} `), RAZORPAY_SDK.signature), false);
    assert.equal(verifyRazorpay([Buffer.from('654321')], body, RAZORPAY_SDK.signature), false);
  });

  test('any of several secrets verifies (rotation)', () => {
    const rotated = [Buffer.from('new-secret'), Buffer.from(RAZORPAY_SDK.secret)];
    assert.equal(verifyRazorpay(rotated, body, RAZORPAY_SDK.signature), true);
  });
});

describe('Standard Webhooks scheme', () => {
  const key = standardWebhooksKey(STANDARD.secret);
  const body = Buffer.from(STANDARD.body);
  const headers = { id: STANDARD.id, timestamp: STANDARD.timestamp, signature: `v1,${STANDARD.signature}` };

  test("signs the library's published vector", () => {
    assert.equal(signStandardWebhook(key, STANDARD.id, STANDARD.timestamp, body), STANDARD.signature);
  });

  test('matches a signature computed from the spec with node:crypto', () => {
    const expected = createHmac('sha256', Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'))
      .update(`${STANDARD.id}.${STANDARD.timestamp}.${STANDARD.body}`)
      .digest('base64');
    assert.equal(expected, STANDARD.signature);
  });

  test('verifies the published vector at its timestamp, and up to 5 minutes either side', () => {
    assert.equal(verifyStandardWebhook([key], body, headers, STANDARD_NOW), 'ok');
    assert.equal(verifyStandardWebhook([key], body, headers, STANDARD_NOW + 300), 'ok');
    assert.equal(verifyStandardWebhook([key], body, headers, STANDARD_NOW - 300), 'ok');
    assert.equal(verifyStandardWebhook([key], body, headers, STANDARD_NOW + 301), 'stale');
    assert.equal(verifyStandardWebhook([key], body, headers, STANDARD_NOW - 301), 'stale');
  });

  test('finds the valid entry among decoys and other versions', () => {
    const signature = [...STANDARD.decoys, headers.signature, STANDARD.decoys[0]!].join(' ');
    assert.equal(verifyStandardWebhook([key], body, { ...headers, signature }, STANDARD_NOW), 'ok');
    const onlyDecoys = STANDARD.decoys.join(' ');
    assert.equal(
      verifyStandardWebhook([key], body, { ...headers, signature: onlyDecoys }, STANDARD_NOW),
      'bad-signature',
    );
  });

  test('refuses partial, empty, wrong-version and re-keyed signatures', () => {
    for (const signature of [
      headers.signature.slice(0, 8),
      'v1,',
      'v1,dawfeoifkpqwoekfpqoekf',
      `v2,${STANDARD.signature}`,
      `v1a,${STANDARD.signature}`,
      STANDARD.signature,
    ]) {
      assert.equal(
        verifyStandardWebhook([key], body, { ...headers, signature }, STANDARD_NOW),
        'bad-signature',
        signature,
      );
    }
    assert.equal(verifyStandardWebhook([Buffer.from('other')], body, headers, STANDARD_NOW), 'bad-signature');
  });

  test('the id, timestamp and body are all signed', () => {
    const check = (h: typeof headers, b: Buffer) => verifyStandardWebhook([key], b, h, STANDARD_NOW);
    assert.equal(check({ ...headers, id: 'msg_other' }, body), 'bad-signature');
    assert.equal(check({ ...headers, timestamp: String(STANDARD_NOW + 1) }, body), 'bad-signature');
    assert.equal(check(headers, Buffer.from('{"test":2432232314}')), 'bad-signature');
  });

  test('missing headers and malformed timestamps are refused before any HMAC', () => {
    assert.equal(
      verifyStandardWebhook([key], body, { ...headers, id: undefined }, STANDARD_NOW),
      'missing-headers',
    );
    assert.equal(
      verifyStandardWebhook([key], body, { ...headers, timestamp: undefined }, STANDARD_NOW),
      'missing-headers',
    );
    assert.equal(
      verifyStandardWebhook([key], body, { ...headers, signature: undefined }, STANDARD_NOW),
      'missing-headers',
    );
    for (const timestamp of [
      'hello',
      `0${STANDARD.timestamp}`,
      `+${STANDARD.timestamp}`,
      `${STANDARD.timestamp}.0`,
      '1e9',
    ]) {
      assert.equal(
        verifyStandardWebhook([key], body, { ...headers, timestamp }, STANDARD_NOW),
        'bad-timestamp',
        timestamp,
      );
    }
  });

  test('a whsec_ secret must carry base64', () => {
    assert.throws(() => standardWebhooksKey('whsec_'));
    assert.throws(() => standardWebhooksKey('whsec_not base64!'));
    assert.equal(standardWebhooksKey('whsec_AAEC').toString('hex'), '000102');
  });

  test('a bad whsec_ secret stops the start with a ConfigError that names the variable, not the secret', () => {
    const secret = 'whsec_%%%secret-value%%%';
    assert.throws(
      () => buildSenderVerifier([secret]),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.variable === 'WEBHOOK_SECRETS' &&
        !error.message.includes('secret-value'),
    );
  });
});

/** A valid webhook body laid out the way no serializer would: the bytes must be verified as sent. */
function oddlySpacedBody(id: string) {
  return `\t{\r\n  "transaction_id" :"${id}" ,"source_account":\t"acc_user_789",\n"destination_account" : "acc_merchant_456",   "amount":1500.10,"currency":"\\u0049NR",
  "note": "caf\u00e9 \u202e \u{1F600}" }\n\n`;
}

describe('POST /v1/webhooks/transactions with WEBHOOK_SECRETS set', () => {
  test('unsigned and wrongly signed webhooks answer 401 with a detail and store nothing', async (t) => {
    const rt = await startTestRuntime(t, {
      WEBHOOK_SECRETS: `${RAZORPAY_SECRET},${WHSEC}`,
      API_KEYS: API_KEY,
    });
    const id = uniqueId();
    const body = oddlySpacedBody(id);
    const json = { 'content-type': 'application/json' };
    const cases: Record<string, Record<string, string>> = {
      unsigned: json,
      'wrong razorpay signature': {
        ...json,
        'x-razorpay-signature': razorpaySignature('not-the-secret', body),
      },
      'empty razorpay signature': { ...json, 'x-razorpay-signature': '' },
      'signature of a re-serialised body': {
        ...json,
        'x-razorpay-signature': razorpaySignature(RAZORPAY_SECRET, JSON.stringify(JSON.parse(body))),
      },
      'signature of another body': {
        ...json,
        'x-razorpay-signature': razorpaySignature(RAZORPAY_SECRET, body.replace('1500.10', '15001.0')),
      },
      'standard webhooks with another secret': {
        ...json,
        ...standardWebhooksHeaders('whsec_b3RoZXItc2VjcmV0', 'msg_1', body),
      },
      'standard webhooks 6 minutes old': {
        ...json,
        ...standardWebhooksHeaders(WHSEC, 'msg_2', body, Math.floor(Date.now() / 1000) - 360),
      },
      'standard webhooks 6 minutes ahead': {
        ...json,
        ...standardWebhooksHeaders(WHSEC, 'msg_3', body, Math.floor(Date.now() / 1000) + 360),
      },
      'standard webhooks without webhook-id': {
        ...json,
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': standardWebhooksHeaders(WHSEC, 'msg_4', body)['webhook-signature']!,
      },
    };
    for (const [name, headers] of Object.entries(cases)) {
      const res = await send(rt.url, { method: 'POST', path: WEBHOOK_PATH, headers, body });
      assert.equal(res.status, 401, `${name}: ${res.text}`);
      assert.equal(typeof (res.json as { detail?: unknown }).detail, 'string', name);
      assert.doesNotMatch(res.text, LEAK, name);
      assert.ok(!res.text.includes(RAZORPAY_SECRET) && !res.text.includes(WHSEC), name);
    }
    assert.equal(await rt.store.get(id), null);
    assert.equal(await storedCount(rt.store), 0);
  });

  test('401 comes before validation: an unsigned invalid body learns nothing about the schema', async (t) => {
    const rt = await startTestRuntime(t, { WEBHOOK_SECRETS: RAZORPAY_SECRET });
    const res = await send(rt.url, {
      method: 'POST',
      path: WEBHOOK_PATH,
      headers: { 'content-type': 'application/json' },
      body: '{"amount":"lots"}',
    });
    assert.equal(res.status, 401);
    assert.match(String((res.json as { detail: string }).detail), /X-Razorpay-Signature/);
  });

  test('a correctly signed body with unusual spacing is accepted and stored byte for byte', async (t) => {
    const rt = await startTestRuntime(t, {
      WEBHOOK_SECRETS: `${RAZORPAY_OLD_SECRET},${RAZORPAY_SECRET},${WHSEC}`,
      API_KEYS: API_KEY,
    });
    const id = uniqueId();
    const body = oddlySpacedBody(id);
    const res = await send(rt.url, {
      method: 'POST',
      path: WEBHOOK_PATH,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'x-razorpay-signature': razorpaySignature(RAZORPAY_SECRET, body),
        'x-razorpay-event-id': 'evt_Odd5pacing01',
      },
      body,
    });
    assert.equal(res.status, 202, res.text);
    assert.deepEqual(res.json, { accepted: true, transaction_id: id, status: 'RECEIVED' });
    const record = await rt.store.get(id);
    assert.equal(record?.payload, body);
    assert.equal(record?.amount, 1500.1);
    assert.equal(record?.currency, 'INR');
    assert.equal(record?.deliveryId, 'evt_Odd5pacing01');
  });

  test('every listed Razorpay secret verifies, so secrets can rotate', async (t) => {
    const rt = await startTestRuntime(t, {
      WEBHOOK_SECRETS: ` ${RAZORPAY_OLD_SECRET} , ${RAZORPAY_SECRET} `,
    });
    for (const secret of [RAZORPAY_OLD_SECRET, RAZORPAY_SECRET]) {
      const id = uniqueId();
      const body = oddlySpacedBody(id);
      const res = await send(rt.url, {
        method: 'POST',
        path: WEBHOOK_PATH,
        headers: {
          'content-type': 'application/json',
          'x-razorpay-signature': razorpaySignature(secret, body),
        },
        body,
      });
      assert.equal(res.status, 202, res.text);
      assert.ok(await rt.store.get(id));
    }
    assert.equal(await storedCount(rt.store), 2);
  });

  test('Standard Webhooks deliveries verify with a whsec_ secret, within 5 minutes either way', async (t) => {
    const rt = await startTestRuntime(t, {
      WEBHOOK_SECRETS: `${RAZORPAY_SECRET},${WHSEC}`,
      API_KEYS: API_KEY,
    });
    const now = Math.floor(Date.now() / 1000);
    // 290 s rather than 300 leaves the test's own seconds of slack on either side of the edge.
    for (const skew of [0, -290, 290]) {
      const id = uniqueId();
      const body = oddlySpacedBody(id);
      const msgId = `msg_${id}`;
      const res = await send(rt.url, {
        method: 'POST',
        path: WEBHOOK_PATH,
        headers: {
          'content-type': 'application/json',
          ...standardWebhooksHeaders(WHSEC, msgId, body, now + skew),
        },
        body,
      });
      assert.equal(res.status, 202, `skew ${skew}: ${res.text}`);
      const view = await send(rt.url, {
        path: `/v1/transactions/${id}`,
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      assert.equal(view.status, 200);
      assert.equal((view.json as { delivery_id: string }).delivery_id, msgId);
    }
  });

  test('a Razorpay-signed request still needs the Razorpay header when only whsec_ secrets are set', async (t) => {
    const rt = await startTestRuntime(t, { WEBHOOK_SECRETS: WHSEC });
    const id = uniqueId();
    const body = oddlySpacedBody(id);
    const res = await send(rt.url, {
      method: 'POST',
      path: WEBHOOK_PATH,
      headers: { 'content-type': 'application/json', 'x-razorpay-signature': razorpaySignature(WHSEC, body) },
      body,
    });
    assert.equal(res.status, 401);
    assert.match((res.json as { detail: string }).detail, /webhook-signature/);
    assert.equal(await storedCount(rt.store), 0);
  });
});

describe('delivery id', () => {
  test('x-razorpay-event-id is stored and shown by the GET; absent, delivery_id is null', async (t) => {
    const rt = await startTestRuntime(t, { WEBHOOK_SECRETS: RAZORPAY_SECRET, API_KEYS: API_KEY });
    const auth = { authorization: `Bearer ${API_KEY}` };
    const withId = uniqueId();
    const without = uniqueId();
    for (const [id, extra] of [
      [withId, { 'x-razorpay-event-id': 'evt_K1pB9yTSEqL4mZ' }],
      [without, {}],
    ] as const) {
      const body = JSON.stringify({
        transaction_id: id,
        source_account: 'acc_user_789',
        destination_account: 'acc_merchant_456',
        amount: 10,
        currency: 'INR',
      });
      const res = await send(rt.url, {
        method: 'POST',
        path: WEBHOOK_PATH,
        headers: {
          'content-type': 'application/json',
          'x-razorpay-signature': razorpaySignature(RAZORPAY_SECRET, body),
          ...extra,
        },
        body,
      });
      assert.equal(res.status, 202, res.text);
    }
    const shown = await send(rt.url, { path: `/v1/transactions/${withId}`, headers: auth });
    assert.equal((shown.json as { delivery_id: unknown }).delivery_id, 'evt_K1pB9yTSEqL4mZ');
    const absent = await send(rt.url, { path: `/v1/transactions/${without}`, headers: auth });
    assert.equal((absent.json as { delivery_id: unknown }).delivery_id, null);
  });
});

describe('without WEBHOOK_SECRETS', () => {
  test('webhooks are accepted unsigned, and signature headers are ignored', async (t) => {
    const rt = await startTestRuntime(t);
    const id = uniqueId();
    const body = oddlySpacedBody(id);
    const res = await send(rt.url, {
      method: 'POST',
      path: WEBHOOK_PATH,
      headers: { 'content-type': 'application/json', 'x-razorpay-signature': 'garbage' },
      body,
    });
    assert.equal(res.status, 202, res.text);
    assert.equal((await rt.store.get(id))?.payload, body);
  });
});
