import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardSecret, startForwardReceiver } from '../helpers/forward-receiver.js';
import { newTransaction } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

/** The value of one sample line (`name{labels} value`) in Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

test('a worker-only process with METRICS_PORT serves its forwarding failures on GET /metrics, and nothing else', async (t) => {
  const secret = forwardSecret();
  const receiver = await startForwardReceiver(secret, {
    t,
    respond: (d) => (d.attempt === 1 ? { status: 503, body: 'busy' } : { status: 200 }),
  });
  const worker = await startTestRuntime(
    t,
    { METRICS_PORT: '0', FORWARD_URL: receiver.url, FORWARD_SECRET: secret, RETRY_BASE_SECONDS: '0.05' },
    { role: 'worker' },
  );
  assert.equal(worker.app, undefined, 'no API in a worker-only process');
  assert.ok(worker.metricsAddress, 'it says where its metrics are');
  // A webhook the API process stored: this worker finds it in the store.
  const item = newTransaction();
  await worker.store.insertMany([item]);
  await waitFor(async () => (await worker.store.get(item.transactionId))?.status === 'PROCESSED', {
    message: 'the worker to forward it',
  });

  const scrape = await fetch(`${worker.metricsAddress}/metrics`);
  assert.equal(scrape.status, 200);
  assert.match(scrape.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await scrape.text();
  assert.equal(sample(text, 'webhooks_forward_attempts_total{outcome="retryable"}'), 1);
  assert.equal(sample(text, 'webhooks_forward_attempts_total{outcome="2xx"}'), 1);
  assert.equal(sample(text, 'webhooks_processing_failures_total{outcome="retry"}'), 1);
  assert.equal(sample(text, 'webhooks_processed_total'), 1);
  assert.ok((sample(text, 'process_resident_memory_bytes') ?? 0) > 0);

  for (const path of [
    '/',
    '/v1/transactions',
    '/ready',
    '/metrics/x',
    `/v1/transactions/${item.transactionId}`,
  ]) {
    const res = await fetch(`${worker.metricsAddress}${path}`);
    assert.equal(res.status, 404, path);
    assert.deepEqual(await res.json(), { detail: 'Not Found' });
  }
  const post = await fetch(`${worker.metricsAddress}/metrics`, { method: 'POST', body: '{}' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
});

test('without METRICS_PORT a worker-only process opens no port, and the api role serves /metrics on PORT only', async (t) => {
  const quiet = await startTestRuntime(t, {}, { role: 'worker' });
  assert.equal(quiet.metricsAddress, undefined);
  const api = await startTestRuntime(t, { METRICS_PORT: '0' }, { role: 'api' });
  assert.equal(api.metricsAddress, undefined, 'METRICS_PORT is for worker-only processes');
  assert.equal((await fetch(`${api.url}/metrics`)).status, 200);
});

test('the oldest RECEIVED gauge tells how long the longest-waiting due transaction has waited', async (t) => {
  // No worker here: what the API stored waits.
  const api = await startTestRuntime(t, {}, { role: 'api' });
  const read = async () =>
    sample(await (await fetch(`${api.url}/metrics`)).text(), 'webhooks_oldest_received_wait_seconds');
  assert.equal(await read(), 0);
  await api.store.insertMany([
    newTransaction({ receivedAt: new Date(Date.now() - 120_000) }),
    newTransaction({ receivedAt: new Date(Date.now() - 5_000) }),
  ]);
  const waited = await read();
  assert.ok(waited !== undefined && waited >= 120 && waited < 180, `waited ${waited}`);
});
