import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecoverySweep } from '../../src/worker/recovery-sweep.js';
import { recordingQueue } from '../helpers/recording-queue.js';
import { newTransaction } from '../helpers/sample-transaction.js';
import { testLogger } from '../helpers/silent-logger.js';
import { tempSqliteStore } from '../helpers/temp-sqlite-store.js';

test('a stopped sweep dispatches nothing, so a late caller cannot race the closing store', async (t) => {
  const store = await tempSqliteStore(t, 'NORMAL');
  const { queue, delivered: dispatched } = recordingQueue(t, 1);
  const sweep = new RecoverySweep({
    store,
    queue,
    log: testLogger(),
    intervalMs: 60_000,
    receivedStaleMs: 0,
  });
  const first = newTransaction();
  await store.insertMany([first]);
  assert.equal(await sweep.sweep(0), 1, 'a running sweep dispatches a RECEIVED row');
  await sweep.stop();
  await store.insertMany([newTransaction()]);
  assert.equal(await sweep.sweep(0), 0);
  assert.deepEqual(dispatched, [first.transactionId]);
});
