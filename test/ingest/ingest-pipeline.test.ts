import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type IngestBatch, IngestPipeline } from '../../src/ingest/ingest-pipeline.js';
import type { JobQueue, QueueJob } from '../../src/queue/job-queue.js';
import { recordingQueue } from '../helpers/recording-queue.js';
import { newTransaction } from '../helpers/sample-transaction.js';
import { testLogger } from '../helpers/silent-logger.js';
import { tempSqliteStore } from '../helpers/temp-sqlite-store.js';
import { waitFor } from '../helpers/wait-for.js';

test('webhooks accepted in one turn are committed as one batch, each resolving once stored', async (t) => {
  const store = await tempSqliteStore(t);
  const { queue, delivered } = recordingQueue(t);
  const batches: IngestBatch[] = [];
  const ingest = new IngestPipeline({ store, queue, log: testLogger(), onBatch: (b) => batches.push(b) });
  const items = Array.from({ length: 10 }, () => newTransaction());
  const outcomes = await Promise.all(items.map((item) => ingest.accept(item)));
  assert.deepEqual(
    batches.map((b) => [b.size, b.inserted, b.failed]),
    [[10, 10, false]],
  );
  for (const [i, o] of outcomes.entries()) {
    assert.equal(o.inserted, true);
    assert.equal(o.record.transactionId, items[i]!.transactionId);
    assert.equal((await store.get(items[i]!.transactionId))?.status, 'RECEIVED');
  }
  await ingest.drain();
  assert.deepEqual([...delivered].sort(), items.map((i) => i.transactionId).sort());
});

test('a repeated id in one batch is a duplicate of the first and enqueued once', async (t) => {
  const store = await tempSqliteStore(t);
  const { queue, delivered } = recordingQueue(t);
  const ingest = new IngestPipeline({ store, queue, log: testLogger() });
  const item = newTransaction();
  const [first, second] = await Promise.all([ingest.accept(item), ingest.accept({ ...item, amount: 1 })]);
  assert.equal(first.inserted, true);
  assert.equal(second.inserted, false);
  assert.equal(second.record.amount, item.amount, 'the first delivery wins');
  await ingest.drain();
  assert.deepEqual(delivered, [item.transactionId]);
});

test('batches are cut at maxBatch and all of them commit', async (t) => {
  const store = await tempSqliteStore(t);
  const { queue } = recordingQueue(t);
  const sizes: number[] = [];
  const ingest = new IngestPipeline({
    store,
    queue,
    log: testLogger(),
    maxBatch: 3,
    onBatch: (b) => sizes.push(b.size),
  });
  const outcomes = await Promise.all(Array.from({ length: 7 }, () => ingest.accept(newTransaction())));
  assert.equal(outcomes.filter((o) => o.inserted).length, 7);
  assert.deepEqual(sizes, [3, 3, 1]);
});

test('a failed commit rejects every webhook of its batch', async (t) => {
  const store = await tempSqliteStore(t);
  const { queue } = recordingQueue(t);
  const batches: IngestBatch[] = [];
  const ingest = new IngestPipeline({ store, queue, log: testLogger(), onBatch: (b) => batches.push(b) });
  await store.close();
  const results = await Promise.allSettled([
    ingest.accept(newTransaction()),
    ingest.accept(newTransaction()),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  assert.equal(batches[0]?.failed, true);
});

test('an enqueue failure does not fail the webhook: the row stays RECEIVED for the sweep', async (t) => {
  const store = await tempSqliteStore(t);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const offered: QueueJob[][] = [];
  // Fault injection, not an engine stand-in: a queue whose enqueue hangs, then fails.
  const broken: JobQueue = {
    ready: async () => {},
    close: async () => {},
    ping: async () => {},
    consume: () => {},
    stopConsuming: async () => {},
    depth: async () => 0,
    enqueue: async (jobs) => {
      offered.push([...jobs]);
      await gate;
      throw new Error('Redis is down');
    },
  };
  const ingest = new IngestPipeline({ store, queue: broken, log: testLogger() });
  const item = newTransaction();
  const outcome = await ingest.accept(item);
  assert.equal(outcome.inserted, true, 'answered before the enqueue finished');
  assert.equal((await store.get(item.transactionId))?.status, 'RECEIVED');
  let drained = false;
  const draining = ingest.drain().then(() => {
    drained = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(drained, false, 'drain waits for the enqueue in progress');
  release();
  await draining;
  assert.deepEqual(offered, [[{ transactionId: item.transactionId, attempt: 0 }]]);
});

/** A real in-process queue whose enqueue calls are also recorded, one entry per call. */
function countingQueue(t: Parameters<typeof recordingQueue>[0]) {
  const { queue, delivered } = recordingQueue(t);
  const calls: string[][] = [];
  const enqueue = queue.enqueue.bind(queue);
  queue.enqueue = (jobs) => {
    calls.push(jobs.map((j) => j.transactionId));
    return enqueue(jobs);
  };
  return { queue, delivered, calls };
}

test('without an enqueue window, each batch is enqueued as soon as it is committed', async (t) => {
  const store = await tempSqliteStore(t);
  const { queue, calls } = countingQueue(t);
  const ingest = new IngestPipeline({ store, queue, log: testLogger() });
  const first = newTransaction();
  await ingest.accept(first);
  assert.deepEqual(calls, [[first.transactionId]]);
  const second = newTransaction();
  await ingest.accept(second);
  assert.deepEqual(calls, [[first.transactionId], [second.transactionId]]);
});

test('with an enqueue window, batches committed within it are enqueued in one call', async (t) => {
  const store = await tempSqliteStore(t);
  const { queue, delivered, calls } = countingQueue(t);
  const ingest = new IngestPipeline({ store, queue, log: testLogger(), enqueueWindowMs: 60_000 });
  const first = newTransaction();
  const second = newTransaction();
  await ingest.accept(first);
  await ingest.accept(second);
  assert.deepEqual(calls, [], 'answered before the window closed');
  // Shutdown does not wait for the window: drain enqueues what it holds at once.
  await ingest.drain();
  assert.deepEqual(calls, [[first.transactionId, second.transactionId]]);
  await waitFor(() => delivered.length === 2, { message: 'both jobs delivered' });
});

test('with an enqueue window, the jobs go out when it closes, without a drain', async (t) => {
  const store = await tempSqliteStore(t);
  const { queue, delivered, calls } = countingQueue(t);
  const ingest = new IngestPipeline({ store, queue, log: testLogger(), enqueueWindowMs: 20 });
  const item = newTransaction();
  await ingest.accept(item);
  assert.deepEqual(calls, []);
  await waitFor(() => delivered.includes(item.transactionId), { message: 'job delivered' });
  assert.deepEqual(calls, [[item.transactionId]]);
});

test('without the option, the window is the one the queue asks for', async (t) => {
  const store = await tempSqliteStore(t);
  const { queue, calls } = countingQueue(t);
  // As BullMqQueue declares its own window.
  Object.defineProperty(queue, 'enqueueWindowMs', { value: 60_000 });
  const ingest = new IngestPipeline({ store, queue, log: testLogger() });
  const item = newTransaction();
  await ingest.accept(item);
  assert.deepEqual(calls, [], 'held by the queue window');
  await ingest.drain();
  assert.deepEqual(calls, [[item.transactionId]]);
});
