import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { after, type TestContext, test } from 'node:test';
import { Redis } from 'ioredis';
import { jobIdOf, parseJobId } from '../../src/queue/bullmq/bullmq-job-id.js';
import { BullMqQueue, type BullMqQueueOptions } from '../../src/queue/bullmq/bullmq-queue.js';
import type { QueueJob } from '../../src/queue/job-queue.js';
import { gate } from '../helpers/gate.js';
import { uniqueId } from '../helpers/sample-transaction.js';
import { skipUnlessReachable, TEST_REDIS_URL } from '../helpers/services.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { queueContract } from './queue-contract.js';

const skip = await skipUnlessReachable('redis', TEST_REDIS_URL);
const QUEUE_NAME = 'transactions';

/** One client for this file's bookkeeping on the shared Redis (key checks and cleanup). */
let admin: Redis | undefined;
const adminClient = () => {
  admin ??= new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  return admin;
};
after(async () => {
  await admin?.quit();
});

/**
 * Deletes every key under `prefix`, and nothing else: other test files and other people use the
 * same Redis at the same time, so FLUSHALL is never an option there.
 */
async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

interface TestQueue {
  queue: BullMqQueue;
  prefix: string;
  /** Background errors the adapter reported. */
  errors: string[];
}

/**
 * A ready queue under a key prefix of its own (hash-tagged like the default), closed and its keys
 * deleted when the test ends.
 */
async function openQueue(
  t: TestContext,
  { url = TEST_REDIS_URL, ...options }: Partial<BullMqQueueOptions> = {},
): Promise<TestQueue> {
  const prefix = `{wh-test-${randomUUID()}}`;
  const errors: string[] = [];
  const queue = new BullMqQueue({
    url,
    name: QUEUE_NAME,
    prefix,
    onError: (error, source) => errors.push(`${source}: ${error.message}`),
    ...options,
  });
  t.after(async () => {
    await queue.close();
    if (url === TEST_REDIS_URL) await deleteKeys(adminClient(), prefix);
  });
  await queue.ready();
  return { queue, prefix, errors };
}

const jobKey = (prefix: string, job: QueueJob) =>
  `${prefix}:${QUEUE_NAME}:${jobIdOf(job.transactionId, job.attempt)}`;

queueContract('bullmq', async (t) => (await openQueue(t)).queue, { skip });

test('job ids: never contain ":" nor are all digits, and map (id, attempt) one to one', () => {
  const ids = ['a:b:c', ':', '123456', '0', '', 'ünï:😀', 'x'.repeat(300), 't0_abc'];
  const seen = new Set<string>();
  for (const transactionId of ids) {
    for (const attempt of [0, 1, 12]) {
      const jobId = jobIdOf(transactionId, attempt);
      assert.ok(!jobId.includes(':'), jobId);
      assert.ok(!/^\d+$/.test(jobId), jobId);
      assert.deepEqual(parseJobId(jobId), { transactionId, attempt });
      seen.add(jobId);
    }
  }
  assert.equal(seen.size, ids.length * 3);
  assert.equal(jobIdOf('abc', 1), jobIdOf('abc', 1));
  for (const junk of ['123', 'abc', 't_x', 'tx_abc', 't01_YQ', 't1_Y', 't1_YQ=']) {
    assert.equal(parseJobId(junk), null, junk);
  }
  assert.throws(() => jobIdOf('abc', -1), RangeError);
  assert.throws(() => jobIdOf('abc', 1.5), RangeError);
});

test('bullmq queue: ids with ":" and all-digit ids are accepted and deduplicated', { skip }, async (t) => {
  const { queue } = await openQueue(t);
  const g = gate();
  const blocker = uniqueId('blocker');
  const seen: string[] = [];
  queue.consume(
    async (id) => {
      if (id === blocker) await g.opened;
      seen.push(id);
    },
    { concurrency: 1 },
  );
  await queue.enqueue([{ transactionId: blocker, attempt: 0 }]);
  await waitFor(async () => (await queue.depth()) === 0, { message: 'the blocker to start' });

  const ids = ['a:b:c', ':', '123456', '0', `${Date.now()}`, 'ünï:😀'];
  const jobs = ids.map((transactionId) => ({ transactionId, attempt: 0 }));
  await queue.enqueue([...jobs, ...jobs]);
  await queue.enqueue(jobs);
  assert.equal(await queue.depth(), ids.length);

  g.open();
  await waitFor(() => seen.length === ids.length + 1, { message: 'every job' });
  await waitFor(async () => (await queue.depth()) === 0, { message: 'an empty queue' });
  assert.deepEqual(seen.slice(1).sort(), [...ids].sort());
});

test('bullmq queue: a (transaction, attempt) can be enqueued again once its job completed', {
  skip,
}, async (t) => {
  const { queue, prefix } = await openQueue(t);
  const redis = adminClient();
  const seen: string[] = [];
  queue.consume(
    async (id) => {
      seen.push(id);
    },
    { concurrency: 2 },
  );
  const job = { transactionId: uniqueId(), attempt: 3 };
  await queue.enqueue([job]);
  await waitFor(() => seen.length === 1, { message: 'the first run' });
  // removeOnComplete deletes the job hash in the same script that completes it.
  await waitFor(async () => (await redis.exists(jobKey(prefix, job))) === 0, {
    message: 'the completed job to be removed',
  });
  await queue.enqueue([job]);
  await waitFor(() => seen.length === 2, { message: 'the second run' });
  assert.deepEqual(seen, [job.transactionId, job.transactionId]);
});

test('bullmq queue: one consumer holds 1,000 jobs at once with concurrency 1000', {
  skip,
  timeout: 120_000,
}, async (t) => {
  const { queue } = await openQueue(t);
  const g = gate();
  let held = 0;
  let peak = 0;
  let done = 0;
  queue.consume(
    async () => {
      held++;
      peak = Math.max(peak, held);
      await g.opened;
      held--;
      done++;
    },
    { concurrency: 1000 },
  );
  // Two bulk adds, as the ingest path's group commits would make them.
  const jobs = Array.from({ length: 1000 }, () => ({ transactionId: uniqueId(), attempt: 0 }));
  await queue.enqueue(jobs.slice(0, 512));
  await queue.enqueue(jobs.slice(512));
  await waitFor(() => held === 1000, { timeoutMs: 90_000, message: '1,000 jobs in their handler at once' });
  assert.equal(await queue.depth(), 0);
  g.open();
  await waitFor(() => done === 1000, { timeoutMs: 90_000, message: 'every job to finish' });
  assert.equal(peak, 1000);
});

test('bullmq queue: the consumer takes new jobs after its keys were deleted (a flush)', {
  skip,
}, async (t) => {
  const { queue, prefix } = await openQueue(t);
  const g = gate();
  const holder = uniqueId('holder');
  const seen: string[] = [];
  queue.consume(
    async (id) => {
      if (id === holder) await g.opened;
      seen.push(id);
    },
    { concurrency: 4 },
  );
  const before = uniqueId('before');
  await queue.enqueue([{ transactionId: before, attempt: 0 }]);
  await waitFor(() => seen.includes(before), { message: 'a job before the flush' });
  await queue.enqueue([{ transactionId: holder, attempt: 0 }]);
  await waitFor(async () => (await queue.depth()) === 0, { message: 'the holder to start' });
  // A delayed job, so the flush also empties the delayed set the worker was timing.
  const lost = { transactionId: uniqueId('lost'), attempt: 1, delayMs: 60_000 };
  await queue.enqueue([lost]);

  assert.ok((await deleteKeys(adminClient(), prefix)) > 0, 'the queue had keys to delete');
  assert.equal(await queue.depth(), 0);

  // The job running across the flush finishes; BullMQ cannot record it (its keys are gone) and
  // reports that, without stopping the worker.
  g.open();
  await waitFor(() => seen.includes(holder), { message: 'the holder to finish' });

  const after = uniqueId('after');
  await queue.enqueue([
    { transactionId: after, attempt: 0 },
    { transactionId: lost.transactionId, attempt: 1 },
  ]);
  await waitFor(() => seen.includes(after) && seen.includes(lost.transactionId), {
    message: 'jobs added after the flush',
  });
});

/** Whether `redis-server` can be started for tests that need a Redis of their own. */
const redisServerMissing = (() => {
  if (skip) return skip;
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    process.stderr.write('\n!!! SKIPPING private Redis tests: redis-server is not on PATH !!!\n\n');
    return 'redis-server is not on PATH';
  }
  return false;
})();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function answersPing(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * A Redis server of the test's own, without persistence, which it can flush and restart freely
 * (the machine's Redis is shared and must never be flushed or restarted). Stopped when the test
 * ends, by a cleanup hook that runs before those of queues opened later in the test.
 */
async function privateRedis(t: TestContext) {
  const port = await freePort();
  const dir = tempDir(t, 'redis-');
  const url = `redis://127.0.0.1:${port}`;
  let server: ChildProcess | undefined;
  const start = async () => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    );
    server = child;
    await waitFor(() => answersPing(url), { message: `redis-server on port ${port}` });
  };
  const stop = async () => {
    const child = server;
    server = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  t.after(stop);
  await start();
  return {
    url,
    stop,
    start,
    async flushAll() {
      const client = new Redis(url);
      try {
        await client.flushall();
      } finally {
        client.disconnect();
      }
    },
  };
}

test('bullmq queue: survives FLUSHALL and a Redis restart without a process restart', {
  skip: redisServerMissing,
  timeout: 60_000,
}, async (t) => {
  const redis = await privateRedis(t);
  const { queue, errors } = await openQueue(t, { url: redis.url });
  const g = gate();
  const holder = uniqueId('holder');
  const seen: string[] = [];
  queue.consume(
    async (id) => {
      if (id === holder) await g.opened;
      seen.push(id);
    },
    { concurrency: 8 },
  );
  await queue.enqueue([{ transactionId: holder, attempt: 0 }]);
  await waitFor(async () => (await queue.depth()) === 0, { message: 'the holder to start' });

  await redis.flushAll();
  g.open();
  const afterFlush = uniqueId('after-flush');
  await queue.enqueue([{ transactionId: afterFlush, attempt: 0 }]);
  await waitFor(() => seen.includes(afterFlush) && seen.includes(holder), {
    message: 'a job added after FLUSHALL',
  });
  // The job that ran across the flush could not be recorded as completed: reported, not fatal.
  await waitFor(() => errors.some((e) => /Missing (key|lock) for job/.test(e)), {
    message: 'the lost completion to be reported',
  });

  await redis.stop();
  // Producer calls fail at once while Redis is down (they never wait for a reconnection), so
  // the ingest path can answer its webhooks and leave dispatch to the recovery sweep.
  await assert.rejects(queue.enqueue([{ transactionId: uniqueId(), attempt: 0 }]));
  await assert.rejects(queue.ping());
  await assert.rejects(queue.depth());

  await redis.start();
  const afterRestart = uniqueId('after-restart');
  await waitFor(
    async () => {
      await queue.enqueue([{ transactionId: afterRestart, attempt: 0 }]);
      return true;
    },
    { message: 'enqueue to succeed after the restart' },
  );
  await queue.ping();
  await waitFor(() => seen.includes(afterRestart), { message: 'a job added after the restart' });
  // Closed here, while Redis is up: cleanup hooks stop this Redis first.
  await queue.close();
});

test('bullmq queue: stopConsuming and close finish while Redis is down', {
  skip: redisServerMissing,
  timeout: 60_000,
}, async (t) => {
  const redis = await privateRedis(t);
  const { queue } = await openQueue(t, { url: redis.url, closeGraceMs: 200 });
  const g = gate();
  let started = 0;
  let finished = 0;
  queue.consume(
    async () => {
      started++;
      await g.opened;
      finished++;
    },
    { concurrency: 2 },
  );
  await queue.enqueue([{ transactionId: uniqueId(), attempt: 0 }]);
  await waitFor(() => started === 1, { message: 'the job to start' });
  await redis.stop();

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
  await queue.close();
  await queue.close();
});

test('bullmq queue: ready rejects when Redis is unreachable, without echoing the password', {
  skip,
}, async () => {
  const port = await freePort();
  const queue = new BullMqQueue({
    url: `redis://user:s3cret-pw@127.0.0.1:${port}`,
    connectTimeoutMs: 300,
    onError: () => undefined,
  });
  await assert.rejects(queue.ready(), (error: Error) => {
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(error.message, /s3cret/);
    return true;
  });
  await queue.close();
  await queue.close();
});
