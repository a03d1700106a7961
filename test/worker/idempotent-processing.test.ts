import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProcessTransaction } from '../../src/handler/process-transaction.js';
import { postWebhook } from '../helpers/http-client.js';
import { webhookBody } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

test('50 concurrent copies of one webhook make one record and one processing', async (t) => {
  const runs = new Map<string, number>();
  const handler: ProcessTransaction = async (txn) => {
    runs.set(txn.transactionId, (runs.get(txn.transactionId) ?? 0) + 1);
  };
  const runtime = await startTestRuntime(t, {}, { handler });
  const body = webhookBody();
  const answers = await Promise.all(Array.from({ length: 50 }, () => postWebhook(runtime.url, body)));
  assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([202]));
  for (const a of answers)
    assert.equal((a.body as { transaction_id: string }).transaction_id, body.transaction_id);
  await waitFor(async () => (await runtime.store.get(body.transaction_id as string))?.status === 'PROCESSED');
  // Give stray duplicate jobs, if any existed, the chance to run before counting.
  await runtime.sweep!.sweep(0);
  await waitFor(async () => (await runtime.queue.depth()) === 0 && runtime.worker!.inFlight === 0);
  assert.equal(runs.get(body.transaction_id as string), 1);
  assert.deepEqual(await runtime.store.countByStatus(), {
    RECEIVED: 0,
    PROCESSING: 0,
    PROCESSED: 1,
    FAILED: 0,
  });
  assert.equal((await runtime.store.get(body.transaction_id as string))?.attempts, 1);
});

test('one process holds 1,000 transactions in their delay at once', async (t) => {
  let running = 0;
  let peak = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const handler: ProcessTransaction = async () => {
    running++;
    peak = Math.max(peak, running);
    await gate;
    running--;
  };
  const runtime = await startTestRuntime(t, { WORKER_CONCURRENCY: '1000' }, { handler });
  const bodies = Array.from({ length: 1000 }, () => webhookBody());
  for (let i = 0; i < bodies.length; i += 100) {
    await Promise.all(bodies.slice(i, i + 100).map((b) => postWebhook(runtime.url, b)));
  }
  await waitFor(() => running === 1000, { timeoutMs: 30_000, message: '1,000 handlers running at once' });
  release();
  await waitFor(async () => (await runtime.store.countByStatus()).PROCESSED === 1000, { timeoutMs: 30_000 });
  assert.equal(peak, 1000);
});
