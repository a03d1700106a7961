import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { disposableDatabase } from '../helpers/disposable-database.js';
import { forwardSecret, startForwardReceiver } from '../helpers/forward-receiver.js';
import { gate } from '../helpers/gate.js';
import { startStripeStandIn } from '../helpers/provider-api-stand-ins.js';
import { STRIPE_PAYMENT_FIXTURES, stripeFixtureEvent } from '../helpers/reconcile-fixtures.js';
import { spawnService } from '../helpers/service-process.js';
import { skipUnlessReachable, TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/services.js';
import { waitFor } from '../helpers/wait-for.js';

const skip =
  (await skipUnlessReachable('postgres', TEST_DATABASE_URL)) ||
  (await skipUnlessReachable('redis', TEST_REDIS_URL));

const STRIPE_API_KEY = 'rk_test_e2eReconcileWorkers000000000000';

test('two worker processes on PostgreSQL + Redis, reconciling at once: each missed Stripe event is recovered and forwarded once', {
  skip,
  timeout: 180_000,
}, async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const events = Array.from({ length: 250 }, (_, i) =>
    stripeFixtureEvent(STRIPE_PAYMENT_FIXTURES[i % STRIPE_PAYMENT_FIXTURES.length]!, {
      created: now - 7200 + i * 20,
    }),
  );
  const standIn = await startStripeStandIn(
    t,
    STRIPE_API_KEY,
    events.map((e) => e.event),
  );
  // The first run waits until both workers are up, so both try while it is under way.
  const bothUp = gate();
  t.after(() => bothUp.open());
  standIn.intercept = async () => {
    await bothUp.opened;
    return undefined;
  };
  const secret = forwardSecret();
  const receiver = await startForwardReceiver(secret, { t });
  const databaseUrl = await disposableDatabase(t, TEST_DATABASE_URL, 'e2e_reconcile');
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: `{e2e_reconcile_${randomBytes(4).toString('hex')}}`,
    STRIPE_API_KEY,
    STRIPE_API_BASE: standIn.url,
    RECONCILE_INTERVAL_SECONDS: '3600',
    FORWARD_URL: receiver.url,
    FORWARD_SECRET: secret,
  };
  const workers = [await spawnService(t, 'worker', env), await spawnService(t, 'worker', env)];
  for (const w of workers) assert.match(w.output(), /"reconciles":\["stripe"\]/);
  bothUp.open();

  const ids = events.map((e) => e.eventId);
  await waitFor(() => new Set(receiver.deliveries.map((d) => d.transactionId)).size === ids.length, {
    timeoutMs: 120_000,
    message: '250 events forwarded',
  });
  const store = new PostgresStore({ connectionString: databaseUrl, poolSize: 2 });
  await store.ready();
  t.after(() => store.close());
  await waitFor(async () => (await store.countByStatus()).PROCESSED === ids.length, {
    timeoutMs: 60_000,
    message: '250 PROCESSED',
  });
  for (const id of ids) {
    const deliveries = receiver.of(id);
    assert.equal(deliveries.length, 1, `${id} forwarded ${deliveries.length} times`);
    const [delivery] = deliveries;
    assert.equal(delivery?.verified, true);
    assert.equal((delivery?.body as { received_via?: string } | null)?.received_via, 'reconciliation');
    assert.equal((await store.get(id))?.attempts, 1);
  }
  // One process listed: three pages of 100, 100 and 50.
  assert.equal(standIn.requests.length, 3);
  const [status] = await store.reconcileStatuses();
  assert.equal(status?.lastRun?.recovered, 250);
  // Both are still running, and neither runs it again before the interval.
  for (const w of workers) assert.equal(w.child.exitCode, null);
});
