import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InProcessQueue } from '../../src/queue/in-process/in-process-queue.js';
import { gate } from '../helpers/gate.js';
import { uniqueId } from '../helpers/sample-transaction.js';
import { waitFor } from '../helpers/wait-for.js';
import { queueContract } from './queue-contract.js';

queueContract('in-process', async (t) => {
  const queue = new InProcessQueue();
  await queue.ready();
  t.after(() => queue.close());
  return queue;
});

test('in-process queue: holds at most maxWaiting jobs, and says when it has room again', async (t) => {
  const queue = new InProcessQueue({ maxWaiting: 4 });
  t.after(() => queue.close());
  const g = gate();
  const ids = Array.from({ length: 10 }, () => uniqueId());
  // Like the store's RECEIVED rows: what no processor has taken yet.
  const started: string[] = [];
  const depths: number[] = [];
  let roomCalls = 0;
  // What the worker does on "room again": offer what the store still holds.
  const offerWaiting = async () => {
    const waiting = ids.filter((id) => !started.includes(id));
    await queue.enqueue(waiting.map((transactionId) => ({ transactionId, attempt: 0 })));
    depths.push(await queue.depth());
  };
  queue.consume(
    async (id) => {
      started.push(id);
      await g.opened;
    },
    {
      concurrency: 1,
      onRoom: () => {
        roomCalls++;
        void offerWaiting();
      },
    },
  );
  await offerWaiting();
  // Four taken (one runs, blocked at the gate, three wait); the other six were left out.
  assert.deepEqual(depths, [3]);
  assert.equal(roomCalls, 0);
  g.open();
  await waitFor(() => started.length === ids.length, { message: 'every job, through refills' });
  assert.deepEqual([...started].sort(), [...ids].sort(), 'each job ran once');
  assert.ok(roomCalls >= 2, `told ${roomCalls} times that it has room`);
  assert.ok(Math.max(...depths) <= 4, `depths seen: ${depths.join(', ')}`);
});
