import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type { JobQueue } from '../../src/queue/job-queue.js';
import { gate } from '../helpers/gate.js';
import { uniqueId } from '../helpers/sample-transaction.js';
import { waitFor } from '../helpers/wait-for.js';

/** Makes a ready, empty, isolated queue for one test, and arranges its cleanup with `t.after`. */
export type QueueFactory = (t: TestContext) => Promise<JobQueue>;

/**
 * The behaviour every JobQueue adapter must have. Each adapter's test file calls this with its own
 * factory; the suite itself never changes per adapter.
 */
export function queueContract(
  name: string,
  makeQueue: QueueFactory,
  options: { skip?: string | false } = {},
): void {
  const it = (title: string, fn: (t: TestContext, queue: JobQueue) => Promise<void>) =>
    test(`${name} queue: ${title}`, { skip: options.skip || false, timeout: 30_000 }, async (t) =>
      fn(t, await makeQueue(t)),
    );

  it('delivers enqueued jobs to the consumer', async (_t, queue) => {
    const seen: string[] = [];
    queue.consume(
      async (id) => {
        seen.push(id);
      },
      { concurrency: 4 },
    );
    const ids = Array.from({ length: 20 }, () => uniqueId());
    await queue.enqueue(ids.map((transactionId) => ({ transactionId, attempt: 0 })));
    await waitFor(() => seen.length === ids.length, { message: 'all jobs' });
    assert.deepEqual([...seen].sort(), [...ids].sort());
  });

  it('does not add a job whose (transaction, attempt) is already waiting', async (_t, queue) => {
    const seen: string[] = [];
    const g = gate();
    const blocker = uniqueId('blocker');
    const id = uniqueId();
    queue.consume(
      async (job) => {
        if (job === blocker) await g.opened;
        seen.push(job);
      },
      { concurrency: 1 },
    );
    await queue.enqueue([{ transactionId: blocker, attempt: 0 }]);
    await waitFor(async () => (await queue.depth()) === 0, { message: 'the blocker to start' });
    await queue.enqueue([{ transactionId: id, attempt: 0 }]);
    await queue.enqueue([
      { transactionId: id, attempt: 0 },
      { transactionId: id, attempt: 1 },
    ]);
    assert.equal(await queue.depth(), 2);
    g.open();
    await waitFor(() => seen.length === 3, { message: 'three jobs' });
    assert.deepEqual(seen, [blocker, id, id]);
  });

  it('runs a delayed job only after its delay has passed on the wall clock', async (_t, queue) => {
    const seen = new Map<string, number>();
    queue.consume(
      async (id) => {
        seen.set(id, Date.now());
      },
      { concurrency: 4 },
    );
    const now = uniqueId('now');
    await queue.enqueue([{ transactionId: now, attempt: 0 }]);
    // A timer armed with the event loop's clock was seen to fire up to 1 ms before Date.now() +
    // delay, depending on where in the millisecond it was armed: a retry would then find its row
    // not claimable yet. Ten jobs, each armed after a busy turn, make the early case near certain.
    const enqueuedAt = new Map<string, number>();
    for (let k = 0; k < 10; k++) {
      const busyUntil = performance.now() + 2.3;
      while (performance.now() < busyUntil) {
        // spin
      }
      const id = uniqueId(`later${k}`);
      enqueuedAt.set(id, Date.now());
      await queue.enqueue([{ transactionId: id, attempt: 1, delayMs: 100 }]);
    }
    await waitFor(() => seen.has(now) && [...enqueuedAt.keys()].every((id) => seen.has(id)), {
      message: 'every job',
    });
    for (const [id, at] of enqueuedAt) {
      assert.ok(seen.get(id)! - at >= 100, `a delayed job ran after ${seen.get(id)! - at} ms`);
    }
  });

  it('never runs more jobs at once than its concurrency', async (_t, queue) => {
    let running = 0;
    let peak = 0;
    let done = 0;
    queue.consume(
      async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
        done++;
      },
      { concurrency: 3 },
    );
    await queue.enqueue(Array.from({ length: 15 }, () => ({ transactionId: uniqueId(), attempt: 0 })));
    await waitFor(() => done === 15, { message: 'all jobs' });
    assert.equal(peak, 3);
  });

  it('stops consuming: waits for running jobs and starts no new ones', async (_t, queue) => {
    const g = gate();
    let started = 0;
    let finished = 0;
    queue.consume(
      async () => {
        started++;
        await g.opened;
        finished++;
      },
      { concurrency: 1 },
    );
    await queue.enqueue([{ transactionId: uniqueId(), attempt: 0 }]);
    await waitFor(() => started === 1, { message: 'the first job' });
    await queue.enqueue([{ transactionId: uniqueId(), attempt: 0 }]);
    const stopped = queue.stopConsuming();
    let stoppedYet = false;
    void stopped.then(() => {
      stoppedYet = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(stoppedYet, false, 'stopConsuming resolved while a job was running');
    g.open();
    await stopped;
    assert.equal(finished, 1);
    assert.equal(started, 1);
  });

  it('answers ping and closes twice', async (_t, queue) => {
    await queue.ping();
    await queue.close();
    await queue.close();
  });
}
