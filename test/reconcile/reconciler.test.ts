import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { readStoredEvent } from '../../src/providers/enabled-providers.js';
import { createReconciler } from '../../src/reconcile/create-reconciler.js';
import type { Reconciler } from '../../src/reconcile/reconciler.js';
import type { TransactionStore } from '../../src/store/transaction-store.js';
import { gate } from '../helpers/gate.js';
import { request } from '../helpers/http-client.js';
import {
  type StripeStandIn,
  startRazorpayStandIn,
  startStripeStandIn,
} from '../helpers/provider-api-stand-ins.js';
import { STRIPE_PAYMENT_FIXTURES, stripeFixtureEvent } from '../helpers/reconcile-fixtures.js';
import { recordingQueue } from '../helpers/recording-queue.js';
import { testLogger } from '../helpers/silent-logger.js';
import { tempSqliteStore } from '../helpers/temp-sqlite-store.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  API_KEY,
  AUTH,
  capturedLogger,
  RAZORPAY_KEY_ID,
  RAZORPAY_KEY_SECRET,
  STRIPE_API_KEY,
} from './reconcile-helpers.js';

/** `store` with some of its methods replaced (the others bound to it, whose fields are private). */
function overriding(store: TransactionStore, methods: Partial<TransactionStore>): TransactionStore {
  return new Proxy(store, {
    get(target, property) {
      const replaced = methods[property as keyof TransactionStore];
      if (replaced) return replaced;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function events(count: number) {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) =>
    stripeFixtureEvent(STRIPE_PAYMENT_FIXTURES[i % STRIPE_PAYMENT_FIXTURES.length]!, {
      created: now - 3600 + i,
    }),
  );
}

/** A reconciler of Stripe against `standIn`, on `store`, stopped when the test ends. */
function stripeReconciler(
  t: TestContext,
  store: TransactionStore,
  standIn: StripeStandIn,
  options: { leaseMs?: number; intervalSeconds?: string } = {},
): Reconciler {
  const config = loadConfig(
    {
      STRIPE_API_KEY,
      STRIPE_API_BASE: standIn.url,
      RECONCILE_INTERVAL_SECONDS: options.intervalSeconds ?? '3600',
    },
    'worker',
  );
  const { queue } = recordingQueue(t);
  const reconciler = createReconciler(config.reconcile, {
    store,
    queue,
    log: testLogger(),
    readEvent: readStoredEvent,
    leaseMs: options.leaseMs,
  });
  assert.ok(reconciler);
  t.after(() => reconciler.stop());
  return reconciler;
}

test('two reconcilers on one store, started together: only one lists, each page once', async (t) => {
  const store = await tempSqliteStore(t);
  // Counts the attempts to take the lease, to know both reconcilers have tried.
  let attempts = 0;
  const counted = overriding(store, {
    takeReconcileLease: (...args) => {
      attempts++;
      return store.takeReconcileLease(...args);
    },
  });
  const listed = events(250);
  const standIn = await startStripeStandIn(
    t,
    STRIPE_API_KEY,
    listed.map((e) => e.event),
  );
  const held = gate();
  standIn.intercept = async () => {
    await held.opened;
    return undefined;
  };
  const a = stripeReconciler(t, counted, standIn);
  const b = stripeReconciler(t, counted, standIn);
  a.start();
  b.start();
  await waitFor(() => attempts === 2 && standIn.requests.length === 1, { message: 'both tried, one lists' });
  held.open();
  const run = await waitFor(async () => (await store.reconcileStatuses())[0]?.lastRun, {
    message: 'the run',
  });
  assert.equal(run.recovered, 250);
  assert.equal(standIn.requests.length, 3, 'three pages, listed by one of them');
  assert.equal((await store.stats(new Date())).byStatus.RECEIVED, 250);
});

test("a crashed holder's lease runs out, and another process's run takes over", async (t) => {
  const store = await tempSqliteStore(t);
  const standIn = await startStripeStandIn(
    t,
    STRIPE_API_KEY,
    events(120).map((e) => e.event),
  );
  // A process took the lease and died mid-run: nobody renews it.
  const expires = Date.now() + 300;
  assert.ok(await store.takeReconcileLease('stripe', 'host/999999/dead', 300, { whenDue: true }));
  const reconciler = stripeReconciler(t, store, standIn, { intervalSeconds: '1' });
  reconciler.start();
  const run = await waitFor(async () => (await store.reconcileStatuses())[0]?.lastRun, {
    message: 'the run after the lease expired',
  });
  assert.ok(run.startedAt.getTime() >= expires, "not before the dead holder's lease ran out");
  assert.equal(run.recovered, 120);
  assert.equal(run.error, null);
});

test('a run longer than its lease keeps it, renewing it while it waits on the provider', async (t) => {
  const store = await tempSqliteStore(t);
  let renewed = 0;
  const counted = overriding(store, {
    renewReconcileLease: async (...args) => {
      const held = await store.renewReconcileLease(...args);
      if (held) renewed++;
      return held;
    },
  });
  const standIn = await startStripeStandIn(
    t,
    STRIPE_API_KEY,
    events(150).map((e) => e.event),
  );
  const slow = gate();
  t.after(() => slow.open());
  standIn.intercept = async (_request, index) => {
    if (index === 1) await slow.opened;
    return undefined;
  };
  const reconciler = stripeReconciler(t, counted, standIn, { leaseMs: 3000 });
  const running = reconciler.runNow();
  // Renewed every third of the lease: after three renewals the run has outlived one whole lease.
  await waitFor(() => renewed >= 3, { message: 'three renewals' });
  assert.equal(await store.takeReconcileLease('stripe', 'other', 60_000, { whenDue: false }), null);
  slow.open();
  const [done] = await running;
  assert.ok(done && 'run' in done);
  assert.equal(done.run.recovered, 150);
});

test('a run that loses its lease (it expired and another process took it) stops and records nothing', async (t) => {
  const store = await tempSqliteStore(t);
  const standIn = await startStripeStandIn(
    t,
    STRIPE_API_KEY,
    events(150).map((e) => e.event),
  );
  // Once the run asks for its second page, every renewal finds the lease gone, as when another
  // process took it over.
  const lost = overriding(store, {
    renewReconcileLease: async (...args) =>
      standIn.requests.length < 2 ? store.renewReconcileLease(...args) : false,
  });
  const never = gate();
  t.after(() => never.open());
  standIn.intercept = async (_request, index) => {
    if (index === 1) await never.opened;
    return undefined;
  };
  const reconciler = stripeReconciler(t, lost, standIn, { leaseMs: 300 });
  assert.deepEqual(await reconciler.runNow(), [{ provider: 'stripe', skipped: 'lease-lost' }]);
  const [status] = await store.reconcileStatuses();
  assert.equal(status?.lastRun, null);
  assert.equal(status?.watermark, null);
  assert.equal((await store.stats(new Date())).byStatus.RECEIVED, 100, 'the page stored before stays');
});

test('a run stopped half way (shutdown) keeps what it stored and records nothing; the next run completes it', async (t) => {
  const store = await tempSqliteStore(t);
  const listed = events(250);
  const standIn = await startStripeStandIn(
    t,
    STRIPE_API_KEY,
    listed.map((e) => e.event),
  );
  const never = gate();
  t.after(() => never.open());
  standIn.intercept = async (_request, index) => {
    if (index === 1) await never.opened;
    return undefined;
  };
  const first = stripeReconciler(t, store, standIn);
  const running = first.runNow();
  await waitFor(async () => (await store.stats(new Date())).byStatus.RECEIVED === 100, {
    message: 'the first page stored',
  });
  await first.stop();
  assert.deepEqual(await running, [{ provider: 'stripe', skipped: 'stopped' }]);
  const [status] = await store.reconcileStatuses();
  assert.equal(status?.lastRun, null);
  assert.equal(status?.watermark, null);

  standIn.intercept = undefined;
  const second = stripeReconciler(t, store, standIn);
  const [done] = await second.runNow();
  assert.ok(done && 'run' in done, 'the lease was given back at shutdown: no wait');
  assert.equal(done.run.checked, 250);
  assert.equal(done.run.recovered, 150);
  assert.equal((await store.stats(new Date())).byStatus.RECEIVED, 250);
});

test('the API keys reach no log line, no recorded error, no answer and no metric, whatever the providers answer', async (t) => {
  // Both stand-ins expect other credentials: Stripe's answers 401 repeating the key it was offered.
  const stripe = await startStripeStandIn(
    t,
    'rk_test_theOtherKey',
    events(3).map((e) => e.event),
  );
  const razorpay = await startRazorpayStandIn(t, 'rzp_test_other', 'other_secret', []);
  const { logger, text } = capturedLogger();
  const rt = await startTestRuntime(
    t,
    {
      STRIPE_API_KEY,
      STRIPE_API_BASE: stripe.url,
      RAZORPAY_KEY_ID,
      RAZORPAY_KEY_SECRET,
      RAZORPAY_API_BASE: razorpay.url,
      API_KEYS: API_KEY,
      RECONCILE_INTERVAL_SECONDS: '3600',
    },
    { logger, handler: async () => undefined },
  );
  await waitFor(async () => (await rt.store.reconcileStatuses()).filter((s) => s.lastRun).length === 2, {
    message: 'both runs recorded',
  });
  // The stand-ins did receive the credentials; the point is where they go next.
  assert.equal(stripe.requests[0]?.authorization, `Bearer ${STRIPE_API_KEY}`);
  const basic = Buffer.from(`${RAZORPAY_KEY_ID}:${RAZORPAY_KEY_SECRET}`).toString('base64');
  assert.equal(razorpay.requests[0]?.authorization, `Basic ${basic}`);

  // A provider that cannot be reached at all, behind a base URL with credentials.
  const unreachable = await startTestRuntime(
    t,
    {
      STRIPE_API_KEY,
      STRIPE_API_BASE: 'http://proxyuser:proxyPassw0rd@127.0.0.1:9',
      RECONCILE_INTERVAL_SECONDS: '3600',
    },
    { logger, handler: async () => undefined },
  );
  const down = await waitFor(async () => (await unreachable.store.reconcileStatuses())[0]?.lastRun, {
    message: 'the unreachable run recorded',
  });

  const errors = [
    ...(await rt.store.reconcileStatuses()).map((s) => s.lastRun?.error ?? ''),
    down.error ?? '',
  ];
  assert.match(
    errors[0]!,
    /^Razorpay answered HTTP 401 to GET \/v1\/payments: BAD_REQUEST_ERROR: Authentication failed$/,
  );
  assert.match(
    errors[1]!,
    /^Stripe answered HTTP 401 to GET \/v1\/events: Invalid API Key provided: \[redacted\]$/,
  );
  assert.match(errors[2]!, /^Stripe GET \/v1\/events failed: /);
  const answer = await request(rt.url, 'GET', '/v1/reconciliation', { headers: AUTH });
  const metrics = await request(rt.url, 'GET', '/metrics');
  const everything = [text(), ...errors, JSON.stringify(answer.body), JSON.stringify(metrics.body)].join(
    '\n',
  );
  for (const secret of [STRIPE_API_KEY, RAZORPAY_KEY_SECRET, RAZORPAY_KEY_ID, basic, 'proxyPassw0rd']) {
    assert.ok(!everything.includes(secret), `${secret.slice(0, 6)}… leaked`);
  }
  assert.match(text(), /reconciliation run failed/, 'the failures were logged');
});
