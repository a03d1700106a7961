import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { InProcessQueue } from '../../src/queue/in-process/in-process-queue.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { RecoverySweep } from '../../src/worker/recovery-sweep.js';
import { newTransaction } from '../helpers/sample-transaction.js';
import { testLogger } from '../helpers/silent-logger.js';
import { tempDir } from '../helpers/temp-dir.js';

test('a stopped sweep dispatches nothing, so a late caller cannot race the closing store', async (t) => {
  const store = new SqliteStore({ path: join(tempDir(t), 'webhooks.db'), synchronous: 'NORMAL' });
  await store.ready();
  t.after(() => store.close());
  const queue = new InProcessQueue();
  const dispatched: string[] = [];
  queue.consume(
    async (id) => {
      dispatched.push(id);
    },
    { concurrency: 1 },
  );
  t.after(() => queue.close());
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
