import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postWebhook } from '../helpers/http-client.js';
import { webhookBody } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

test('webhooks beyond the in-process queue bound wait in the store and are all processed', async (t) => {
  // The periodic sweep is kept out of the way (long interval and threshold): only the queue's
  // "room again" refill can bring the left-out transactions back.
  const runtime = await startTestRuntime(t, {
    QUEUE_MAX_WAITING: '5',
    WORKER_CONCURRENCY: '2',
    PROCESS_DELAY_SECONDS: '0.05',
    SWEEP_INTERVAL_SECONDS: '600',
    RECEIVED_STALE_SECONDS: '600',
  });
  const bodies = Array.from({ length: 60 }, () => webhookBody());
  const answers = await Promise.all(bodies.map((body) => postWebhook(runtime.url, body)));
  assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([202]));
  assert.ok((await runtime.queue.depth()) <= 5, 'the queue holds at most its bound');
  await waitFor(async () => (await runtime.store.countByStatus()).PROCESSED === bodies.length, {
    message: 'every transaction PROCESSED',
  });
  for (const body of bodies) {
    assert.equal((await runtime.store.get(body.transaction_id as string))?.attempts, 1);
  }
});
