import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/logger.js';
import { uniqueId } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { razorpaySignature, send, standardWebhooksHeaders, WEBHOOK_PATH } from './raw-http.js';

const API_KEY = 'k_redact_7a1f0c9e';
const RAZORPAY_SECRET = 'rzp_redact_secret_55c1';
const WHSEC = 'whsec_cmVkYWN0LXRlc3Qtc3RhbmRhcmQta2V5';
const FORWARD_SECRET = 'whsec_Zm9yd2FyZC1yZWRhY3QtdGVzdC1rZXktMzItYnl0ZXM=';
const FORWARD_URL = 'https://svc:fwd-pass-93b1@hooks.example.com/in';

/** A logger as the service builds it, writing into a string the test can read. */
function capturedLogger(level = 'trace') {
  let output = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      output += String(chunk);
      callback();
    },
  });
  return { logger: createLogger(level, stream), output: () => output };
}

test('a logged request censors its key and signature headers, whatever the object is called', () => {
  const { logger, output } = capturedLogger();
  const headers = {
    'content-type': 'application/json',
    authorization: `Bearer ${API_KEY}`,
    'x-razorpay-signature': 'f00dfeed'.repeat(8),
    'webhook-signature': 'v1,c2lnbmF0dXJlLXZhbHVl',
    'stripe-signature': 't=1,v1=deadbeef',
    'x-api-key': API_KEY,
    cookie: 'session=abc123secret',
  };
  logger.info({ req: { method: 'POST', url: WEBHOOK_PATH, headers } }, 'as req');
  logger.info({ request: { headers } }, 'as request');
  logger.info({ headers }, 'as headers');
  logger.info(
    {
      config: {
        apiKeys: [API_KEY],
        webhookSecrets: [RAZORPAY_SECRET],
        forward: { url: FORWARD_URL, secret: FORWARD_SECRET },
      },
    },
    'config',
  );
  logger.info({ apiKeys: [API_KEY], webhookSecrets: [WHSEC], secret: RAZORPAY_SECRET }, 'bare');
  logger.child({ reqId: 'r1' }).warn({ req: { headers } }, 'from a child');

  const text = output();
  for (const secret of [
    API_KEY,
    RAZORPAY_SECRET,
    WHSEC,
    'f00dfeed',
    'c2lnbmF0dXJlLXZhbHVl',
    'deadbeef',
    'abc123secret',
    FORWARD_SECRET,
    'fwd-pass-93b1',
  ]) {
    assert.ok(!text.includes(secret), `${secret} reached the log`);
  }
  type Line = {
    req: { url: string; headers: Record<string, string> };
    headers: Record<string, string>;
    config: Record<string, unknown>;
  };
  const lines = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
  assert.equal(lines.length, 6);
  assert.equal(lines[0]!.req.headers.authorization, '[redacted]');
  assert.equal(lines[0]!.req.headers['x-razorpay-signature'], '[redacted]');
  assert.equal(lines[0]!.req.headers['webhook-signature'], '[redacted]');
  // Only the secrets go: the rest of the request stays useful.
  assert.equal(lines[0]!.req.headers['content-type'], 'application/json');
  assert.equal(lines[0]!.req.url, WEBHOOK_PATH);
  assert.equal(lines[2]!.headers.authorization, '[redacted]');
  assert.equal(lines[3]!.config.apiKeys, '[redacted]');
});

test('a running service with keys and secrets never writes them, nor the signatures it receives, to its log', async (t) => {
  const { logger, output } = capturedLogger('trace');
  const rt = await startTestRuntime(
    t,
    { WEBHOOK_SECRETS: `${RAZORPAY_SECRET},${WHSEC}`, API_KEYS: API_KEY, LOG_LEVEL: 'trace' },
    { logger },
  );
  const signatures: string[] = [];
  for (let i = 0; i < 3; i++) {
    const id = uniqueId();
    const body = JSON.stringify({
      transaction_id: id,
      source_account: 'acc_user_789',
      destination_account: 'acc_merchant_456',
      amount: 12.5,
      currency: 'INR',
    });
    const razorpay = razorpaySignature(RAZORPAY_SECRET, body);
    const standard = standardWebhooksHeaders(WHSEC, `msg_${id}`, body);
    signatures.push(razorpay, standard['webhook-signature']!.slice(3));
    for (const headers of [
      { 'x-razorpay-signature': razorpay },
      standard,
      { 'x-razorpay-signature': razorpay.replace(/.$/, '0') },
      {},
    ]) {
      await send(rt.url, {
        method: 'POST',
        path: WEBHOOK_PATH,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}`, ...headers },
        body,
      });
    }
    await send(rt.url, { path: `/v1/transactions/${id}`, headers: { authorization: `Bearer ${API_KEY}` } });
    await send(rt.url, { path: `/v1/transactions/${id}`, headers: { authorization: 'Bearer wrong-key' } });
  }
  const text = output();
  assert.ok(text.includes('"msg":"listening"'), 'the capture saw the service log');
  for (const secret of [API_KEY, RAZORPAY_SECRET, WHSEC, WHSEC.slice(6), ...signatures]) {
    assert.ok(!text.includes(secret), `${secret.slice(0, 12)}... reached the log`);
  }
});

test('provider secrets and the signatures of Razorpay and Stripe deliveries never reach the log', async (t) => {
  const { logger, output } = capturedLogger('trace');
  const razorpaySecret = 'rzp_provider_redact_9d3e';
  const stripeSecret = 'whsec_cHJvdmlkZXItcmVkYWN0LXN0cmlwZQ';
  const rt = await startTestRuntime(
    t,
    { RAZORPAY_WEBHOOK_SECRETS: razorpaySecret, STRIPE_WEBHOOK_SECRETS: stripeSecret, LOG_LEVEL: 'trace' },
    { logger },
  );
  logger.info({ config: rt.config }, 'the whole configuration');
  const body =
    '{"entity":"event","account_id":"acc_1","event":"payment.captured","contains":[],"payload":{}}';
  const razorpay = razorpaySignature(razorpaySecret, body);
  const now = Math.floor(Date.now() / 1000);
  const stripe = createHmac('sha256', stripeSecret).update(`${now}.${body}`).digest('hex');
  for (const [path, headers] of [
    ['/v1/webhooks/razorpay', { 'x-razorpay-signature': razorpay, 'x-razorpay-event-id': 'EvRedact000001' }],
    ['/v1/webhooks/razorpay', { 'x-razorpay-signature': razorpay.replace(/.$/, '0') }],
    ['/v1/webhooks/stripe', { 'stripe-signature': `t=${now},v1=${stripe}` }],
  ] as const) {
    await send(rt.url, {
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  }
  const text = output();
  assert.ok(text.includes('"msg":"provider webhook endpoints"'), 'the capture saw the start log');
  for (const secret of [razorpaySecret, stripeSecret, razorpay, razorpay.slice(0, -1), stripe]) {
    assert.ok(!text.includes(secret), `${secret.slice(0, 12)}... reached the log`);
  }
});
