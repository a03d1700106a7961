import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { forwardSecret, startForwardReceiver } from '../test/helpers/forward-receiver.js';
import { tempDir } from '../test/helpers/temp-dir.js';
import { waitFor } from '../test/helpers/wait-for.js';
import { printReport, RETENTION_ENV, streamThroughACrash } from './fault-harness.js';

test('forwarding: a worker SIGKILLed while deliveries are in flight delivers every transaction, PROCESSED once', async (t) => {
  const dir = tempDir(t);
  const secret = forwardSecret();
  // A receiver that takes 200 to 800 ms to answer, so dozens of deliveries are in flight at the kill.
  const receiver = await startForwardReceiver(secret, {
    t,
    respond: () => ({ status: 200, delayMs: 200 + Math.random() * 600 }),
  });
  const env = {
    SQLITE_PATH: join(dir, 'webhooks.db'),
    PORT: '0',
    FORWARD_URL: receiver.url,
    FORWARD_SECRET: secret,
    RETRY_BASE_SECONDS: '0.5',
    RETRY_MAX_SECONDS: '2',
    ...RETENTION_ENV,
  };

  // Retention deletes each transaction 10 s after it is PROCESSED: a watcher reads the store from
  // the start, every 100 ms, and keeps when each one's completion was recorded, so a delivery after
  // it can be told apart even once the row is gone.
  const store = new SqliteStore({ path: env.SQLITE_PATH, synchronous: 'NORMAL' });
  t.after(() => store.close());
  const processedAt = new Map<string, number>();
  let watching = true;
  const watcher = (async () => {
    await waitFor(() => existsSync(env.SQLITE_PATH), { message: 'the service to create its store' });
    await store.ready();
    while (watching) {
      const page = await store.list({ filter: { status: 'PROCESSED' }, limit: 500 });
      for (const row of page)
        if (row.processedAt) processedAt.set(row.transactionId, row.processedAt.getTime());
      await sleep(100);
    }
  })();

  let inFlightAtKill = 0;
  const stream = await streamThroughACrash(t, env, {
    count: 300,
    perSecond: 60,
    killAt: 150,
    beforeKill: () => {
      inFlightAtKill = receiver.inFlight;
    },
  });

  const pending = new Set(stream.acknowledged);
  await waitFor(
    async () => {
      for (const id of [...pending]) if (processedAt.has(id)) pending.delete(id);
      return pending.size === 0;
    },
    { timeoutMs: 90_000, intervalMs: 250, message: 'every acknowledged transaction PROCESSED' },
  ).catch(() => undefined);
  const recoverySeconds = (Date.now() - stream.killedAt) / 1000;
  // Then retention deletes them all.
  const stored = new Set(stream.acknowledged);
  await waitFor(
    async () => {
      for (const id of [...stored]) if ((await store.get(id)) === null) stored.delete(id);
      return stored.size === 0;
    },
    { timeoutMs: 60_000, intervalMs: 500, message: 'retention to delete every transaction' },
  ).catch(() => undefined);
  watching = false;
  await watcher;

  let notTaken = 0;
  let deliveredAfterProcessed = 0;
  let duplicates = 0;
  for (const id of stream.acknowledged) {
    const got = receiver.of(id);
    if (!got.some((d) => d.answered === 200 && d.verified)) notTaken++;
    duplicates += Math.max(0, got.length - 1);
    assert.equal(new Set(got.map((d) => d.webhookId)).size, 1, `${id}: one webhook-id across processes`);
    const completed = processedAt.get(id);
    // A delivery that arrived after completion was recorded would mean a second processing.
    if (completed !== undefined && got.some((d) => d.receivedAt > completed)) deliveredAfterProcessed++;
  }
  printReport({
    scenario: 'forwarding: SIGKILL mid-delivery + restart',
    acknowledged: stream.acknowledged.size,
    processed: stream.acknowledged.size - pending.size,
    lost: pending.size,
    completedTwice: deliveredAfterProcessed,
    handlerCompletions: receiver.deliveries.filter((d) => d.answered === 200).length,
    deletedByRetention: stream.acknowledged.size - stored.size,
    recoverySeconds,
  });
  process.stdout.write(
    `| receiver requests | ${receiver.deliveries.length} |\n| duplicates | ${duplicates} |\n` +
      `| in flight at the kill | ${inFlightAtKill} |\n| never taken (2xx) | ${notTaken} |\n\n`,
  );
  assert.equal(stream.acknowledged.size, 300);
  assert.ok(inFlightAtKill > 0, 'the kill happened while deliveries were in flight');
  assert.equal(pending.size, 0, 'every acknowledged transaction seen PROCESSED');
  assert.equal(notTaken, 0, 'every transaction delivered and answered 2xx at least once');
  assert.equal(deliveredAfterProcessed, 0, 'no transaction delivered again once PROCESSED');
  assert.equal(stored.size, 0, 'retention deleted every transaction once it was done');
  assert.ok(receiver.deliveries.every((d) => d.verified));
});
