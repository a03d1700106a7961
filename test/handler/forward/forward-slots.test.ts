import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestSlots } from '../../../src/handler/forward/forward-slots.js';

const open = () => new AbortController().signal;

test('at most `limit` holders; waiters get slots in arrival order as holders release', async () => {
  const slots = new RequestSlots(2);
  const a = await slots.acquire(open());
  const b = await slots.acquire(open());
  const order: string[] = [];
  const c = slots.acquire(open()).then((release) => {
    order.push('c');
    return release;
  });
  const d = slots.acquire(open()).then((release) => {
    order.push('d');
    return release;
  });
  await Promise.resolve();
  assert.equal(slots.held, 2);
  assert.equal(slots.waiting, 2);
  a();
  a(); // a second release of the same slot changes nothing
  const releaseC = await c;
  assert.deepEqual(order, ['c']);
  assert.equal(slots.held, 2);
  b();
  const releaseD = await d;
  assert.deepEqual(order, ['c', 'd']);
  releaseC();
  releaseD();
  assert.equal(slots.held, 0);
  assert.equal(slots.waiting, 0);
});

test("a waiter whose signal aborts leaves the line with the signal's reason", async () => {
  const slots = new RequestSlots(1);
  const held = await slots.acquire(open());
  const controller = new AbortController();
  const waiting = slots.acquire(controller.signal);
  const next = slots.acquire(open());
  const reason = new Error('lease lost');
  controller.abort(reason);
  await assert.rejects(waiting, (error) => error === reason);
  assert.equal(slots.waiting, 1);
  held();
  const release = await next;
  assert.equal(slots.held, 1);
  release();
  assert.equal(slots.held, 0);
});

test('an already aborted signal gets no slot', async () => {
  const slots = new RequestSlots(1);
  const controller = new AbortController();
  controller.abort(new Error('too late'));
  await assert.rejects(slots.acquire(controller.signal), /too late/);
  assert.equal(slots.held, 0);
});
