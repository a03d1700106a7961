import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getTransaction, postWebhook, request } from '../helpers/http-client.js';
import { webhookBody } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

/** The value of one sample line (`name{labels} value`) in Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

async function scrape(url: string): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${url}/metrics`);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

test('/metrics counts webhooks by outcome and follows a transaction to PROCESSED', async (t) => {
  const runtime = await startTestRuntime(t, { PROCESS_DELAY_SECONDS: '0' });
  const before = await scrape(runtime.url);
  assert.equal(before.status, 200);
  assert.match(before.type ?? '', /^text\/plain; version=0\.0\.4/);
  for (const outcome of ['accepted', 'duplicate', 'rejected', 'unauthorized', 'error']) {
    assert.equal(sample(before.text, `webhooks_received_total{outcome="${outcome}"}`), 0, outcome);
  }

  const body = webhookBody();
  const id = body.transaction_id as string;
  assert.equal((await postWebhook(runtime.url, body)).status, 202);
  assert.equal((await postWebhook(runtime.url, body)).status, 202);
  assert.equal((await postWebhook(runtime.url, { ...body, amount: -1 })).status, 422);
  await waitFor(
    async () => ((await getTransaction(runtime.url, id)).body as { status: string }).status === 'PROCESSED',
    {
      message: 'the transaction to be PROCESSED',
    },
  );

  // The by-status gauge may reuse a count for a moment (a count that took over 10 ms, as the first
  // scrape's can under parallel test load), so wait for it rather than expect it on the next scrape.
  const text = await waitFor(
    async () => {
      const { text } = await scrape(runtime.url);
      return sample(text, 'webhooks_transactions{status="PROCESSED"}') === 1 ? text : undefined;
    },
    { message: 'the by-status gauge to count the transaction as PROCESSED' },
  );
  assert.equal(sample(text, 'webhooks_received_total{outcome="accepted"}'), 1);
  assert.equal(sample(text, 'webhooks_received_total{outcome="duplicate"}'), 1);
  assert.equal(sample(text, 'webhooks_received_total{outcome="rejected"}'), 1);
  assert.equal(sample(text, 'webhooks_ingest_duration_seconds_count'), 2);
  assert.equal(sample(text, 'webhooks_ingest_batch_size_sum'), 2);
  assert.equal(sample(text, 'webhooks_processing_attempts_total'), 1);
  assert.equal(sample(text, 'webhooks_processed_total'), 1);
  assert.equal(sample(text, 'webhooks_processing_duration_seconds_count'), 1);
  assert.equal(sample(text, 'webhooks_processing_failures_total{outcome="failed"}'), 0);
  assert.equal(sample(text, 'webhooks_lease_reclaims_total'), 0);
  assert.ok((sample(text, 'webhooks_sweeps_total') ?? 0) >= 1, 'the start-up sweep is counted');
  assert.equal(sample(text, 'webhooks_sweep_redispatched_total'), 0);
  assert.equal(sample(text, 'webhooks_transactions{status="RECEIVED"}'), 0);
  assert.equal(sample(text, 'webhooks_queue_depth'), 0);
  assert.ok((sample(text, 'process_resident_memory_bytes') ?? 0) > 0, 'process metrics are included');
});

test('a webhook without a valid signature counts as unauthorized', async (t) => {
  const runtime = await startTestRuntime(t, { WEBHOOK_SECRETS: 'metrics-test-secret' });
  assert.equal((await postWebhook(runtime.url, webhookBody())).status, 401);
  const { text } = await scrape(runtime.url);
  assert.equal(sample(text, 'webhooks_received_total{outcome="unauthorized"}'), 1);
  assert.equal(sample(text, 'webhooks_received_total{outcome="accepted"}'), 0);
});

test('each runtime has its own registry', async (t) => {
  const first = await startTestRuntime(t);
  const second = await startTestRuntime(t);
  assert.equal((await postWebhook(first.url, webhookBody())).status, 202);
  assert.equal(sample((await scrape(first.url)).text, 'webhooks_received_total{outcome="accepted"}'), 1);
  assert.equal(sample((await scrape(second.url)).text, 'webhooks_received_total{outcome="accepted"}'), 0);
});

test('/metrics and /ready answer without an API key; transaction reads still need one', async (t) => {
  const runtime = await startTestRuntime(t, { API_KEYS: 'metrics-test-key' });
  assert.equal((await scrape(runtime.url)).status, 200);
  assert.equal((await request(runtime.url, 'GET', '/ready')).status, 200);
  assert.equal((await getTransaction(runtime.url, 'txn_1')).status, 401);
});
