import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getTransaction, postWebhook, request } from '../helpers/http-client.js';
import { webhookBody } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

test('GET / answers the original health check', async (t) => {
  const { url } = await startTestRuntime(t);
  const res = await request(url, 'GET', '/');
  assert.equal(res.status, 200);
  const body = res.body as { status: string; current_time: string };
  assert.equal(body.status, 'HEALTHY');
  assert.match(body.current_time, ISO_UTC);
  assert.ok(Math.abs(Date.parse(body.current_time) - Date.now()) < 60_000);
});

test('a webhook is acknowledged with 202, then processed, as the original walkthrough says', async (t) => {
  const { url } = await startTestRuntime(t, { PROCESS_DELAY_SECONDS: '0.3' });
  const body = webhookBody({ amount: 1500 });
  const accepted = await postWebhook(url, body);
  assert.equal(accepted.status, 202);
  assert.deepEqual(accepted.body, {
    accepted: true,
    transaction_id: body.transaction_id,
    status: 'RECEIVED',
  });

  const early = await getTransaction(url, body.transaction_id as string);
  assert.equal(early.status, 200);
  const view = early.body as Record<string, unknown>;
  assert.ok(['RECEIVED', 'PROCESSING'].includes(view.status as string));
  assert.equal(view.transaction_id, body.transaction_id);
  assert.equal(view.source_account, 'acc_user_789');
  assert.equal(view.destination_account, 'acc_merchant_456');
  assert.equal(view.amount, 1500);
  assert.equal(view.currency, 'INR');
  assert.match(view.created_at as string, ISO_UTC);
  assert.equal(view.processed_at, null);

  const done = await waitFor(
    async () => {
      const res = await getTransaction(url, body.transaction_id as string);
      const v = res.body as Record<string, unknown>;
      return v.status === 'PROCESSED' ? v : null;
    },
    { message: 'PROCESSED' },
  );
  assert.match(done.processed_at as string, ISO_UTC);
  assert.ok(Date.parse(done.processed_at as string) >= Date.parse(done.created_at as string) + 250);
  assert.equal(done.attempts, 1);
  assert.equal(done.last_error, null);
});

test('a repeated webhook answers 202 with the existing status and changes nothing', async (t) => {
  const runtime = await startTestRuntime(t, { PROCESS_DELAY_SECONDS: '0.05' });
  const body = webhookBody({ amount: 10 });
  assert.equal((await postWebhook(runtime.url, body)).status, 202);
  await waitFor(async () => (await runtime.store.get(body.transaction_id as string))?.status === 'PROCESSED');
  const again = await postWebhook(runtime.url, { ...body, amount: 99, currency: 'USD' });
  assert.equal(again.status, 202);
  assert.deepEqual(again.body, { accepted: true, transaction_id: body.transaction_id, status: 'PROCESSED' });
  const view = (await getTransaction(runtime.url, body.transaction_id as string)).body as Record<
    string,
    unknown
  >;
  assert.equal(view.amount, 10);
  assert.equal(view.currency, 'INR');
  assert.equal(view.attempts, 1);
});

test('an unknown transaction answers 404 with the original detail', async (t) => {
  const { url } = await startTestRuntime(t);
  const res = await getTransaction(url, 'txn_does_not_exist');
  assert.equal(res.status, 404);
  assert.deepEqual(res.body, { detail: 'Transaction not found' });
});

test('extra fields are kept with the raw payload and not echoed', async (t) => {
  const runtime = await startTestRuntime(t, { PROCESS_DELAY_SECONDS: '30' });
  const raw = `{"transaction_id":"txn_extra_${Date.now()}", "source_account":"a","destination_account":"b",
    "amount":12.5,"currency":"EUR","notes":{"order":"o_1"},"event":"payment.captured"}`;
  const res = await postWebhook(runtime.url, raw);
  assert.equal(res.status, 202);
  const id = (res.body as { transaction_id: string }).transaction_id;
  const stored = await runtime.store.get(id);
  assert.equal(stored?.payload, raw);
  const view = (await getTransaction(runtime.url, id)).body as Record<string, unknown>;
  assert.equal(view.notes, undefined);
  assert.equal(view.event, undefined);
  assert.equal(view.amount, 12.5);
});

test('the provider delivery id is stored and shown', async (t) => {
  const { url } = await startTestRuntime(t, { PROCESS_DELAY_SECONDS: '30' });
  const body = webhookBody();
  await postWebhook(url, body, { 'x-razorpay-event-id': 'evt_29QQoUBi66xm2f' });
  const view = (await getTransaction(url, body.transaction_id as string)).body as Record<string, unknown>;
  assert.equal(view.delivery_id, 'evt_29QQoUBi66xm2f');
});

test('framework-level rejections use the one JSON error shape', async (t) => {
  const { url } = await startTestRuntime(t, { BODY_LIMIT_BYTES: '1024' });
  const cases: [string, Parameters<typeof request>[3], number][] = [
    ['text body', { body: 'hello', headers: { 'content-type': 'text/plain' } }, 415],
    ['form body', { body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415],
    ['malformed JSON', { body: '{"transaction_id": ', headers: { 'content-type': 'application/json' } }, 400],
    ['oversized body', { body: JSON.stringify(webhookBody({ pad: 'x'.repeat(2000) })) }, 413],
    ['empty body', { body: '', headers: { 'content-type': 'application/json' } }, 422],
  ];
  for (const [name, init, status] of cases) {
    const res = await request(url, 'POST', '/v1/webhooks/transactions', init);
    assert.equal(res.status, status, name);
    assert.ok(
      res.body && typeof res.body === 'object' && 'detail' in res.body,
      `${name}: ${JSON.stringify(res.body)}`,
    );
  }
  const missing = await request(url, 'GET', '/no/such/route');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body, { detail: 'Not Found' });
});

test('OpenAPI 3 is served at /openapi.json and Swagger UI at /docs', async (t) => {
  const { url } = await startTestRuntime(t);
  const spec = (await request(url, 'GET', '/openapi.json')).body as {
    openapi: string;
    paths: Record<string, Record<string, unknown>>;
  };
  assert.match(spec.openapi, /^3\./);
  assert.ok(spec.paths['/v1/webhooks/transactions']?.post);
  assert.ok(spec.paths['/v1/transactions/{transaction_id}']?.get);
  assert.ok(spec.paths['/']?.get);
  const docs = await fetch(`${url}/docs`, { redirect: 'follow' });
  assert.equal(docs.status, 200);
  assert.match(await docs.text(), /swagger/i);
});

test('requeue answers 404 for an unknown and 409 for a transaction that did not fail', async (t) => {
  const { url } = await startTestRuntime(t, { PROCESS_DELAY_SECONDS: '30' });
  assert.equal((await request(url, 'POST', '/v1/transactions/txn_nope/retry')).status, 404);
  const body = webhookBody();
  await postWebhook(url, body);
  const res = await request(url, 'POST', `/v1/transactions/${body.transaction_id}/retry`);
  assert.equal(res.status, 409);
  assert.match((res.body as { detail: string }).detail, /FAILED/);
});
