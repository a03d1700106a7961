import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { disposableDatabase } from '../helpers/disposable-database.js';
import { getTransaction, postWebhook } from '../helpers/http-client.js';
import { webhookBody } from '../helpers/sample-transaction.js';
import { spawnService } from '../helpers/service-process.js';
import { skipUnlessReachable, TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/services.js';
import { waitFor } from '../helpers/wait-for.js';

const skip =
  (await skipUnlessReachable('postgres', TEST_DATABASE_URL)) ||
  (await skipUnlessReachable('redis', TEST_REDIS_URL));

test('2 API and 2 worker processes on PostgreSQL + Redis: 500 ids delivered 3 times each, all PROCESSED once', {
  skip,
  timeout: 300_000,
}, async (t) => {
  const env = {
    DATABASE_URL: await disposableDatabase(t, TEST_DATABASE_URL, 'e2e'),
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: `{e2e_${randomBytes(4).toString('hex')}}`,
    PORT: '0',
    PROCESS_DELAY_SECONDS: '0.5',
  };
  const apis = [await spawnService(t, 'api', env), await spawnService(t, 'api', env)];
  await spawnService(t, 'worker', env);
  await spawnService(t, 'worker', env);

  const bodies = Array.from({ length: 500 }, () => webhookBody());
  // Every id three times, concurrently, spread over both APIs, as a retrying provider would.
  const deliveries = bodies.flatMap((body, i) =>
    [0, 1, 2].map((copy) => ({ body, api: apis[(i + copy) % 2]! })),
  );
  const statuses: number[] = [];
  for (let i = 0; i < deliveries.length; i += 150) {
    const batch = deliveries.slice(i, i + 150);
    const answers = await Promise.all(batch.map((d) => postWebhook(d.api.url, d.body)));
    statuses.push(...answers.map((a) => a.status));
  }
  assert.equal(statuses.length, 1500);
  assert.deepEqual(new Set(statuses), new Set([202]));

  for (const body of bodies) {
    const view = await waitFor(
      async () => {
        const v = (await getTransaction(apis[0]!.url, body.transaction_id as string)).body as Record<
          string,
          unknown
        >;
        return v.status === 'PROCESSED' ? v : null;
      },
      { timeoutMs: 120_000, message: `${body.transaction_id} PROCESSED` },
    );
    assert.equal(view.attempts, 1, `${body.transaction_id} took ${view.attempts} attempts`);
  }
});
