import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TransactionStore } from '../../src/store/transaction-store.js';
import {
  MAX_RETENTION_BATCH,
  type RetentionEvent,
  RetentionSweep,
} from '../../src/worker/retention-sweep.js';
import { newTransaction } from '../helpers/sample-transaction.js';
import { testLogger } from '../helpers/silent-logger.js';
import { tempSqliteStore } from '../helpers/temp-sqlite-store.js';
import { waitFor } from '../helpers/wait-for.js';
import { finish } from '../store/retention-contract.js';

/** Stores `count` transactions and finishes them (every fifth FAILED); returns their ids. */
async function finished(store: TransactionStore, count: number): Promise<string[]> {
  const items = Array.from({ length: count }, () => newTransaction());
  await store.insertMany(items);
  for (const [i, item] of items.entries()) {
    await finish(store, item.transactionId, i % 5 === 0 ? 'FAILED' : 'PROCESSED');
  }
  return items.map((i) => i.transactionId);
}

/** Resolves once `ms` have passed on the clock, so rows written before are older than `ms`. */
const olderThan = (ms: number) => {
  const until = Date.now() + ms;
  return waitFor(() => Date.now() > until, { intervalMs: 1 });
};

test('a run deletes every expired finished transaction in bounded batches and reports each', async (t) => {
  const store = await tempSqliteStore(t, 'NORMAL');
  const ids = await finished(store, 25);
  const open = newTransaction();
  await store.insertMany([open]);
  await olderThan(5);
  const events: RetentionEvent[] = [];
  const sweep = new RetentionSweep({
    store,
    log: testLogger(),
    recordMs: 5,
    payloadMs: 5,
    intervalMs: 60_000,
    batchSize: 10,
    onEvent: (e) => events.push(e),
  });
  assert.deepEqual(await sweep.runOnce(), { deleted: 25, erased: 0 });
  assert.deepEqual(
    events.filter((e) => e.type === 'deleted').map((e) => (e.type === 'deleted' ? e.count : 0)),
    [10, 10, 5],
  );
  const end = events.at(-1);
  assert.equal(end?.type, 'run-finished');
  assert.ok(end?.type === 'run-finished' && end.deleted === 25 && end.erased === 0);
  for (const id of ids) assert.equal(await store.get(id), null);
  assert.equal((await store.get(open.transactionId))?.status, 'RECEIVED');
  assert.deepEqual(await store.countByStatus(), { RECEIVED: 1, PROCESSING: 0, PROCESSED: 0, FAILED: 0 });
  assert.deepEqual(await sweep.runOnce(), { deleted: 0, erased: 0 }, 'a second run finds nothing');
});

test('payloads are erased on their own only when their retention is shorter than the records', async (t) => {
  const store = await tempSqliteStore(t, 'NORMAL');
  const [old] = await finished(store, 1);
  await olderThan(1);
  const [young] = await finished(store, 1);
  // Records kept an hour, payloads a minute, on a clock a minute past the young one's completion:
  // it is just not old enough, the old one is.
  const youngAt = (await store.get(young!))!.updatedAt.getTime();
  const sweep = new RetentionSweep({
    store,
    log: testLogger(),
    recordMs: 3_600_000,
    payloadMs: 60_000,
    intervalMs: 60_000,
    now: () => youngAt + 60_000,
  });
  assert.deepEqual(await sweep.runOnce(), { deleted: 0, erased: 1 });
  assert.equal((await store.get(old!))?.payload, null);
  assert.notEqual((await store.get(young!))?.payload, null);
  // Payloads kept (0 days) while records go: records are deleted, payloads never erased apart.
  await olderThan(5);
  const records = new RetentionSweep({
    store,
    log: testLogger(),
    recordMs: 5,
    payloadMs: null,
    intervalMs: 1,
  });
  assert.deepEqual(await records.runOnce(), { deleted: 2, erased: 0 });
  // Both kept: nothing to run.
  const keeps = new RetentionSweep({
    store,
    log: testLogger(),
    recordMs: null,
    payloadMs: null,
    intervalMs: 1,
  });
  assert.equal(keeps.enabled, false);
  const same = new RetentionSweep({ store, log: testLogger(), recordMs: 5, payloadMs: 5, intervalMs: 1 });
  assert.equal(same.enabled, true);
});

test("the batch size is the store's own when it has one, and never above 1,000", async (t) => {
  const store = await tempSqliteStore(t, 'NORMAL');
  assert.ok(store.retentionBatchSize && store.retentionBatchSize <= MAX_RETENTION_BATCH);
  const limits: number[] = [];
  const spy: TransactionStore = Object.assign(Object.create(store) as TransactionStore, {
    deleteFinished: (before: Date, limit: number) => {
      limits.push(limit);
      return store.deleteFinished(before, limit);
    },
  });
  await new RetentionSweep({
    store: spy,
    log: testLogger(),
    recordMs: 1,
    payloadMs: 1,
    intervalMs: 1,
  }).runOnce();
  await new RetentionSweep({
    store: spy,
    log: testLogger(),
    recordMs: 1,
    payloadMs: 1,
    intervalMs: 1,
    batchSize: 5000,
  }).runOnce();
  assert.deepEqual(limits, [store.retentionBatchSize, MAX_RETENTION_BATCH]);
});

test('a started sweep runs at once and again every interval, survives a failed run, and stops between batches', async (t) => {
  const store = await tempSqliteStore(t, 'NORMAL');
  let failures = 1;
  const flaky: TransactionStore = Object.assign(Object.create(store) as TransactionStore, {
    deleteFinished: (before: Date, limit: number) => {
      if (failures-- > 0) return Promise.reject(new Error('the store blinked'));
      return store.deleteFinished(before, limit);
    },
  });
  const runs: number[] = [];
  const deletedBatches: number[] = [];
  const sweep = new RetentionSweep({
    store: flaky,
    log: testLogger(),
    recordMs: 1,
    payloadMs: 1,
    intervalMs: 20,
    batchSize: 10,
    onEvent: (e) => {
      if (e.type === 'run-finished') runs.push(e.deleted);
      if (e.type === 'deleted') deletedBatches.push(e.count);
    },
  });
  t.after(() => sweep.stop());
  sweep.start();
  // The first run failed; later ones run on schedule.
  await waitFor(() => runs.length >= 2, { message: 'two runs after the failed one' });
  // A backlog of 200: stopping after its first batch leaves the rest for another day.
  await finished(store, 200);
  await waitFor(() => deletedBatches.length > 0, { message: 'a first batch' });
  await sweep.stop();
  const deleted = deletedBatches.reduce((a, b) => a + b, 0);
  const left = (await store.countByStatus()).PROCESSED + (await store.countByStatus()).FAILED;
  assert.equal(left, 200 - deleted, 'every deletion was reported');
  assert.ok(left > 0, 'the stop came between batches, not after the backlog');
  const after = deletedBatches.length;
  await olderThan(100);
  assert.equal(deletedBatches.length, after, 'nothing runs once stopped');
});
