import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { PermanentError, type ProcessTransaction } from '../../src/handler/process-transaction.js';
import { gate } from '../helpers/gate.js';
import { getTransaction, postWebhook, request } from '../helpers/http-client.js';
import { fixtureBytes } from '../helpers/provider-fixtures.js';
import { uniqueId, webhookBody } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

const API_KEY = 'k_retention_tests_7e2a';
const AUTH = { authorization: `Bearer ${API_KEY}` };
const RAZORPAY_SECRET = 'rzp_retention_secret';

/** The retention window of the scenario, RETENTION_DAYS=0.0003, in milliseconds (25.92 s). */
const RECORD_MS = 0.0003 * 86_400_000;

const statusOf = async (url: string, id: string) => {
  const res = await getTransaction(url, id, AUTH);
  return res.status === 200 ? (res.body as { status: string }).status : res.status;
};
const payloadStatus = async (url: string, id: string) =>
  (await request(url, 'GET', `/v1/transactions/${encodeURIComponent(id)}/payload`, { headers: AUTH })).status;

/** The value of an unlabelled series of `/metrics`. */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} is exported`);
  return Number(line.slice(name.length + 1));
}

test('retention: finished transactions answer 410 on /payload while their record stays, then 404; a handler still running past the window is never touched', {
  timeout: 180_000,
}, async (t) => {
  const slowGate = gate();
  const handler: ProcessTransaction = async (transaction, { signal }) => {
    if (transaction.transactionId.includes('_fail_')) throw new PermanentError('declined by the test');
    if (transaction.transactionId.includes('_slow_')) {
      await Promise.race([
        slowGate.opened,
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      ]);
    }
  };
  const runtime = await startTestRuntime(
    t,
    {
      RETENTION_DAYS: '0.0003',
      PAYLOAD_RETENTION_DAYS: '0.0001',
      RETENTION_INTERVAL_SECONDS: '1',
      API_KEYS: API_KEY,
      RAZORPAY_WEBHOOK_SECRETS: RAZORPAY_SECRET,
    },
    { handler },
  );
  const { url } = runtime;

  const processed = uniqueId('txn_ok');
  const failed = uniqueId('txn_fail');
  const slow = uniqueId('txn_slow');
  for (const id of [processed, failed, slow]) {
    assert.equal((await postWebhook(url, webhookBody({ transaction_id: id }))).status, 202);
  }
  // A provider's event, whose payment state must survive its payload.
  const captured = fixtureBytes('razorpay', 'payment.captured.card');
  const eventId = `Ev${randomBytes(9).toString('hex')}`;
  const delivered = await request(url, 'POST', '/v1/webhooks/razorpay', {
    body: captured,
    headers: {
      'content-type': 'application/json',
      'x-razorpay-event-id': eventId,
      'x-razorpay-signature': createHmac('sha256', RAZORPAY_SECRET).update(captured).digest('hex'),
    },
  });
  assert.equal(delivered.status, 202);
  const payment = async () =>
    (await request(url, 'GET', '/v1/payments/pay_DESp9bgForNoUd', { headers: AUTH })).body;
  await waitFor(async () => (await statusOf(url, eventId)) === 'PROCESSED', {
    message: 'the event PROCESSED',
  });
  const paymentBefore = await payment();

  await waitFor(async () => (await statusOf(url, processed)) === 'PROCESSED', { message: 'PROCESSED' });
  await waitFor(async () => (await statusOf(url, failed)) === 'FAILED', { message: 'FAILED' });
  await waitFor(async () => (await statusOf(url, slow)) === 'PROCESSING', { message: 'slow PROCESSING' });
  for (const id of [processed, failed, slow]) assert.equal(await payloadStatus(url, id), 200);

  // Erasure on request: behind API_KEYS, refused while the transaction is unfinished.
  const erase = (id: string, headers: Record<string, string> = AUTH) =>
    request(url, 'DELETE', `/v1/transactions/${encodeURIComponent(id)}/payload`, { headers });
  assert.equal((await erase(slow, {})).status, 401);
  const refused = await erase(slow);
  assert.equal(refused.status, 409);
  assert.match((refused.body as { detail: string }).detail, /not finished/);
  assert.deepEqual((await erase(uniqueId())).body, { detail: 'Transaction not found' });
  assert.equal(await payloadStatus(url, slow), 200);

  // First the payloads go (about 9 s after each finished), the records stay.
  for (const [id, status] of [
    [processed, 'PROCESSED'],
    [failed, 'FAILED'],
    [eventId, 'PROCESSED'],
  ] as const) {
    await waitFor(async () => (await payloadStatus(url, id)) === 410, {
      timeoutMs: 60_000,
      message: `${id}'s payload erased`,
    });
    const gone = await request(url, 'GET', `/v1/transactions/${encodeURIComponent(id)}/payload`, {
      headers: AUTH,
    });
    assert.deepEqual(gone.body, { detail: 'Payload erased' });
    const record = (await getTransaction(url, id, AUTH)).body as Record<string, unknown>;
    assert.equal(record.status, status, `${id} still reads ${status}`);
  }
  const record = (await getTransaction(url, processed, AUTH)).body as Record<string, unknown>;
  assert.equal(record.amount, 1500);
  assert.equal(record.source_account, 'acc_user_789');
  assert.equal(record.currency, 'INR');
  // The payment's state from its records' own columns, as it read from the payload.
  const paymentAfter = (await payment()) as Record<string, unknown>;
  assert.equal(paymentAfter.payment_status, 'captured');
  assert.equal(paymentAfter.amount, (paymentBefore as Record<string, unknown>).amount);
  assert.equal(paymentAfter.currency, 'INR');
  assert.equal(await payloadStatus(url, slow), 200, 'a running transaction keeps its payload');

  // Then the records (about 26 s after each finished).
  for (const id of [processed, failed, eventId]) {
    await waitFor(async () => (await statusOf(url, id)) === 404, {
      timeoutMs: 90_000,
      message: `${id} deleted`,
    });
    assert.equal(await payloadStatus(url, id), 404);
  }
  assert.equal(((await payment()) as { detail?: string }).detail, 'Payment not found');

  // The slow transaction has been PROCESSING for longer than the retention window, through a
  // retention run that began after the window had passed over it, and is still there, whole.
  const claimedAt = (await runtime.store.get(slow))!.updatedAt.getTime();
  await waitFor(
    async () =>
      (await metric(url, 'webhooks_retention_last_run_timestamp_seconds')) * 1000 >
      claimedAt + RECORD_MS + 1000,
    { timeoutMs: 60_000, message: 'a retention run after the window passed over the running transaction' },
  );
  assert.equal(await statusOf(url, slow), 'PROCESSING');
  assert.equal(await payloadStatus(url, slow), 200);
  slowGate.open();
  await waitFor(async () => (await statusOf(url, slow)) === 'PROCESSED', { message: 'slow PROCESSED' });
  assert.equal((await erase(slow)).status, 204);
  assert.equal((await erase(slow)).status, 204, 'erasing again is harmless');
  assert.equal(await payloadStatus(url, slow), 410);
  assert.equal(await statusOf(url, slow), 'PROCESSED');

  // The counts stay exact: only the slow transaction is left.
  const stats = (await request(url, 'GET', '/v1/stats', { headers: AUTH })).body as {
    by_status: Record<string, number>;
    total: number;
  };
  assert.deepEqual(stats.by_status, { RECEIVED: 0, PROCESSING: 0, PROCESSED: 1, FAILED: 0 });
  assert.equal(stats.total, 1);
  assert.ok((await metric(url, 'webhooks_retention_deleted_total')) >= 3);
  assert.ok((await metric(url, 'webhooks_retention_payloads_erased_total')) >= 3);
  assert.ok((await metric(url, 'webhooks_retention_last_run_timestamp_seconds')) > Date.now() / 1000 - 60);
  assert.ok((await metric(url, 'webhooks_store_size_bytes')) > 0);
});
