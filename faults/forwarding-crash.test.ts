import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { forwardSecret, startForwardReceiver } from '../test/helpers/forward-receiver.js';
import { tempDir } from '../test/helpers/temp-dir.js';
import { waitFor } from '../test/helpers/wait-for.js';
import { printReport, streamThroughACrash } from './fault-harness.js';

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
  };
  let inFlightAtKill = 0;
  const stream = await streamThroughACrash(t, env, {
    count: 300,
    perSecond: 60,
    killAt: 150,
    beforeKill: () => {
      inFlightAtKill = receiver.inFlight;
    },
  });

  const store = new SqliteStore({ path: env.SQLITE_PATH, synchronous: 'NORMAL' });
  await store.ready();
  t.after(() => store.close());
  const pending = new Set(stream.acknowledged);
  await waitFor(
    async () => {
      for (const id of [...pending]) if ((await store.get(id))?.status === 'PROCESSED') pending.delete(id);
      return pending.size === 0;
    },
    { timeoutMs: 90_000, intervalMs: 250, message: 'every acknowledged transaction PROCESSED' },
  ).catch(() => undefined);
  const recoverySeconds = (Date.now() - stream.killedAt) / 1000;

  let notTaken = 0;
  let deliveredAfterProcessed = 0;
  let duplicates = 0;
  for (const id of stream.acknowledged) {
    const got = receiver.of(id);
    if (!got.some((d) => d.answered === 200 && d.verified)) notTaken++;
    duplicates += Math.max(0, got.length - 1);
    assert.equal(new Set(got.map((d) => d.webhookId)).size, 1, `${id}: one webhook-id across processes`);
    const processedAt = (await store.get(id))?.processedAt?.getTime();
    // A delivery that arrived after completion was recorded would mean a second processing.
    if (processedAt !== undefined && got.some((d) => d.receivedAt > processedAt)) deliveredAfterProcessed++;
  }
  printReport({
    scenario: 'forwarding: SIGKILL mid-delivery + restart',
    acknowledged: stream.acknowledged.size,
    processed: stream.acknowledged.size - pending.size,
    lost: pending.size,
    completedTwice: deliveredAfterProcessed,
    handlerCompletions: receiver.deliveries.filter((d) => d.answered === 200).length,
    recoverySeconds,
  });
  process.stdout.write(
    `| receiver requests | ${receiver.deliveries.length} |\n| duplicates | ${duplicates} |\n` +
      `| in flight at the kill | ${inFlightAtKill} |\n| never taken (2xx) | ${notTaken} |\n\n`,
  );
  assert.equal(stream.acknowledged.size, 300);
  assert.ok(inFlightAtKill > 0, 'the kill happened while deliveries were in flight');
  assert.equal(pending.size, 0, 'every acknowledged transaction PROCESSED');
  assert.equal(notTaken, 0, 'every transaction delivered and answered 2xx at least once');
  assert.equal(deliveredAfterProcessed, 0, 'no transaction delivered again once PROCESSED');
  assert.ok(receiver.deliveries.every((d) => d.verified));
});
