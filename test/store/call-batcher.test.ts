import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallBatcher, KeyedCallBatchers } from '../../src/store/call-batcher.js';
import { gate } from '../helpers/gate.js';

test('calls made in one turn run as one batch, each getting its own result', async () => {
  const batches: number[][] = [];
  const batcher = new CallBatcher<number, number>({
    run: async (inputs) => {
      batches.push(inputs);
      return inputs.map((n) => n * 10);
    },
  });
  const results = await Promise.all([1, 2, 3, 4].map((n) => batcher.submit(n)));
  assert.deepEqual(results, [10, 20, 30, 40]);
  assert.deepEqual(batches, [[1, 2, 3, 4]]);
});

test('calls made while the batches in flight run wait, then go together', async () => {
  const batches: string[][] = [];
  const release = gate();
  const batcher = new CallBatcher<string, string>({
    maxInFlight: 1,
    run: async (inputs) => {
      batches.push(inputs);
      if (batches.length === 1) await release.opened;
      return inputs.map((s) => s.toUpperCase());
    },
  });
  const first = batcher.submit('a');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(batches, [['a']]);
  const later = ['b', 'c', 'd'].map((s) => batcher.submit(s));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(batches, [['a']], 'nothing else starts while the first batch runs');
  release.open();
  assert.deepEqual(await Promise.all([first, ...later]), ['A', 'B', 'C', 'D']);
  assert.deepEqual(batches, [['a'], ['b', 'c', 'd']]);
});

test('a failed batch rejects its own calls only; the next batch runs', async () => {
  let calls = 0;
  let idle = 0;
  const batcher = new CallBatcher<number, number>({
    maxInFlight: 1,
    maxBatch: 2,
    run: async (inputs) => {
      calls++;
      if (calls === 1) throw new Error('connection lost');
      return inputs;
    },
    onIdle: () => idle++,
  });
  const outcomes = await Promise.allSettled([1, 2, 3].map((n) => batcher.submit(n)));
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ['rejected', 'rejected', 'fulfilled'],
  );
  assert.equal((outcomes[0] as PromiseRejectedResult).reason.message, 'connection lost');
  assert.equal(calls, 2);
  assert.equal(idle, 1);
});

test('a batch that returns the wrong number of results rejects its calls', async () => {
  const batcher = new CallBatcher<number, number>({ run: async () => [1] });
  await assert.rejects(Promise.all([batcher.submit(1), batcher.submit(2)]), /batch of 2 calls got 1 results/);
});

test('keyed batchers batch calls of the same key only, and forget a key once it is idle', async () => {
  const batches: string[] = [];
  const batchers = new KeyedCallBatchers<number, string>();
  const runFor = (label: string) => async (inputs: number[]) => {
    batches.push(`${label}:${inputs.join(',')}`);
    return inputs.map((n) => `${label}${n}`);
  };
  const first = await Promise.all([
    batchers.submit('a', 1, runFor('a')),
    batchers.submit('b', 2, runFor('b')),
    batchers.submit('a', 3, runFor('ignored: a has a batcher')),
  ]);
  assert.deepEqual(first, ['a1', 'b2', 'a3']);
  assert.deepEqual(batches.sort(), ['a:1,3', 'b:2']);
  // Key a went idle, so its next call makes a new batcher with the run it brings.
  assert.equal(await batchers.submit('a', 4, runFor('a2-')), 'a2-4');
});
