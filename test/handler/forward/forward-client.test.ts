import assert from 'node:assert/strict';
import { test } from 'node:test';
import { receivedRecord } from '../../../src/domain/transaction.js';
import { ForwardClient, type ForwardClientOptions } from '../../../src/handler/forward/forward-client.js';
import { forwardMessage, forwardMessageId } from '../../../src/handler/forward/forward-message.js';
import { forwardSecret, startForwardReceiver, startHoldingReceiver } from '../../helpers/forward-receiver.js';
import { newTransaction } from '../../helpers/sample-transaction.js';
import { waitFor } from '../../helpers/wait-for.js';

const secret = forwardSecret();

function client(
  t: import('node:test').TestContext,
  options: Partial<ForwardClientOptions> & { url: string },
) {
  const c = new ForwardClient({ secret, timeoutMs: 2000, concurrency: 4, ...options });
  t.after(() => c.close());
  return c;
}

const message = (overrides: Parameters<typeof newTransaction>[0] = {}) =>
  forwardMessage(receivedRecord(newTransaction(overrides)));

const never = () => new AbortController().signal;

test('a delivery is the transaction view plus the parsed payload, signed so the reference library verifies it', async (t) => {
  const receiver = await startForwardReceiver(secret, { t });
  const payload = '{"transaction_id":"txn.with.dots:1","amount":19.99,"currency":"INR","note":"extra"}';
  const record = receivedRecord(newTransaction({ transactionId: 'txn.with.dots:1', amount: 19.99, payload }));
  const result = await client(t, { url: receiver.url }).deliver(forwardMessage(record), never());

  assert.equal(result.outcome, '2xx');
  const [delivery] = receiver.deliveries;
  assert.ok(delivery?.verified, 'standardwebhooks verified the delivery');
  assert.equal(delivery.headers['content-type'], 'application/json');
  assert.equal(delivery.webhookId, forwardMessageId('txn.with.dots:1'));
  assert.doesNotMatch(delivery.webhookId, /\./, 'the spec forbids dots in ids');
  assert.deepEqual(delivery.body, {
    transaction_id: 'txn.with.dots:1',
    source_account: 'acc_user_789',
    destination_account: 'acc_merchant_456',
    amount: 19.99,
    currency: 'INR',
    provider: null,
    event_type: null,
    payment_id: null,
    payment_status: null,
    status: 'RECEIVED',
    created_at: record.createdAt.toISOString(),
    processed_at: null,
    attempts: 0,
    last_error: null,
    delivery_id: null,
    received_via: 'webhook',
    payload: { transaction_id: 'txn.with.dots:1', amount: 19.99, currency: 'INR', note: 'extra' },
  });
  assert.ok(Math.abs(Number(delivery.timestamp) - Date.now() / 1000) < 5);
});

test('every attempt of one transaction carries the same webhook-id, and requests share kept-alive connections', async (t) => {
  const receiver = await startForwardReceiver(secret, { t });
  const c = client(t, { url: receiver.url, concurrency: 1 });
  const m = message();
  for (let i = 0; i < 3; i++) assert.equal((await c.deliver(m, never())).outcome, '2xx');
  assert.deepEqual(
    receiver.deliveries.map((d) => [d.webhookId, d.attempt]),
    [
      [m.id, 1],
      [m.id, 2],
      [m.id, 3],
    ],
  );
  assert.equal(receiver.connections, 1);
});

test('answers are classified: 2xx, retryable with Retry-After, permanent, and a redirect is not followed', async (t) => {
  const receiver = await startForwardReceiver(secret, { t });
  const c = client(t, { url: receiver.url });
  const cases: Array<[number, Record<string, string>, string]> = [
    [204, {}, '2xx'],
    [503, { 'retry-after': '7' }, 'retryable'],
    [429, {}, 'retryable'],
    [400, {}, 'permanent'],
    [410, {}, 'permanent'],
    [302, { location: 'http://127.0.0.1:1/elsewhere' }, 'retryable'],
  ];
  for (const [status, headers, outcome] of cases) {
    receiver.respond = () => ({ status, headers, body: `answer ${status}` });
    const result = await c.deliver(message(), never());
    assert.equal(result.outcome, outcome, `status ${status}`);
    assert.ok('status' in result && result.status === status);
    if (status === 503) assert.equal(result.outcome === 'retryable' && result.retryAfterMs, 7000);
    if (status === 302) assert.equal('location' in result && result.location, 'http://127.0.0.1:1/elsewhere');
    if (status !== 204) assert.equal('answer' in result && result.answer, `answer ${status}`);
  }
  assert.equal(receiver.deliveries.length, cases.length, 'the redirect was not followed');
});

test('only the start of a long answer is kept (1,024 bytes), cut between characters', async (t) => {
  const receiver = await startForwardReceiver(secret, {
    t,
    respond: () => ({ status: 500, body: 'x'.repeat(100_000) }),
  });
  const result = await client(t, { url: receiver.url }).deliver(message(), never());
  assert.equal(result.outcome, 'retryable');
  assert.equal('answer' in result && result.answer.length, 1024);

  // 1,023 bytes of ASCII, then a 3-byte character across the limit: it is left out, not mangled.
  receiver.respond = () => ({ status: 400, body: `${'y'.repeat(1023)}☃ and more` });
  const cut = await client(t, { url: receiver.url }).deliver(message(), never());
  assert.equal('answer' in cut && cut.answer, 'y'.repeat(1023));
  receiver.respond = () => ({ status: 400, body: `${'z'.repeat(1021)}☃ and more` });
  const whole = await client(t, { url: receiver.url }).deliver(message(), never());
  assert.equal('answer' in whole && whole.answer, `${'z'.repeat(1021)}☃`);
});

test('no answer within the timeout is a timeout', async (t) => {
  const receiver = await startForwardReceiver(secret, { t, respond: () => ({ status: 200, delayMs: 1000 }) });
  const result = await client(t, { url: receiver.url, timeoutMs: 200 }).deliver(message(), never());
  assert.equal(result.outcome, 'timeout');
  assert.equal('error' in result && result.error, 'no answer within 200 ms');
});

test('the timeout measures the request, not the wait for a slot', async (t) => {
  // One slot, each answer after 150 ms, a 400 ms timeout: the fourth request waits 450 ms for its
  // slot, longer than the timeout, and must still succeed.
  const receiver = await startForwardReceiver(secret, { t, respond: () => ({ status: 200, delayMs: 150 }) });
  const c = client(t, { url: receiver.url, concurrency: 1, timeoutMs: 400 });
  const results = await Promise.all([1, 2, 3, 4].map(() => c.deliver(message(), never())));
  assert.deepEqual(
    results.map((r) => r.outcome),
    ['2xx', '2xx', '2xx', '2xx'],
  );
  assert.equal(receiver.maxInFlight, 1);
});

test('a refused connection is a network outcome', async (t) => {
  const receiver = await startForwardReceiver(secret, { t });
  await receiver.down();
  const result = await client(t, { url: receiver.url }).deliver(message(), never());
  assert.equal(result.outcome, 'network');
  assert.match('error' in result ? result.error : '', /ECONNREFUSED/);
});

test("the caller's signal aborts a request in flight, with the signal's reason", async (t) => {
  const receiver = await startHoldingReceiver(secret, t);
  const c = client(t, { url: receiver.url });
  const controller = new AbortController();
  const delivering = c.deliver(message(), controller.signal);
  await waitFor(() => receiver.inFlight === 1, { message: 'the request to arrive' });
  const reason = new Error('lease lost');
  controller.abort(reason);
  await assert.rejects(delivering, (error) => error === reason);
  await waitFor(() => receiver.inFlight === 0, { message: 'the receiver to see the connection closed' });
  assert.equal(c.inFlight, 0);
});

test('a caller waiting for a slot gives up when its signal aborts, and never reaches the receiver', async (t) => {
  const receiver = await startHoldingReceiver(secret, t);
  const c = client(t, { url: receiver.url, concurrency: 1 });
  const first = c.deliver(message(), never());
  await waitFor(() => receiver.deliveries.length === 1, { message: 'the first request to arrive' });
  const controller = new AbortController();
  const waiting = c.deliver(message(), controller.signal);
  const reason = new Error('shutting down');
  controller.abort(reason);
  await assert.rejects(waiting, (error) => error === reason);
  receiver.release();
  assert.equal((await first).outcome, '2xx');
  assert.equal(receiver.deliveries.length, 1);
});

test('credentials in the URL are sent as Basic authorization and kept out of the logged target', async (t) => {
  const receiver = await startForwardReceiver(secret, { t });
  const url = receiver.url.replace('http://', 'http://hook%20user:p%40ss-w0rd@');
  const c = client(t, { url });
  assert.equal((await c.deliver(message(), never())).outcome, '2xx');
  const expected = `Basic ${Buffer.from('hook user:p@ss-w0rd').toString('base64')}`;
  assert.equal(receiver.deliveries[0]?.headers.authorization, expected);
  assert.equal(c.target, receiver.url);
  assert.ok(c.credentials.includes('p@ss-w0rd'));
});
