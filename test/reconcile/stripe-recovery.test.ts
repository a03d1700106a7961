import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { STRIPE_WATERMARK_OVERLAP_MS } from '../../src/reconcile/stripe-recovery.js';
import type { TransactionStore } from '../../src/store/transaction-store.js';
import { disposableDatabase } from '../helpers/disposable-database.js';
import { gate } from '../helpers/gate.js';
import { request } from '../helpers/http-client.js';
import { startStripeStandIn } from '../helpers/provider-api-stand-ins.js';
import {
  inLaterApiVersion,
  STRIPE_PAYMENT_FIXTURES,
  type StripeFixtureEvent,
  stripeFixtureEvent,
} from '../helpers/reconcile-fixtures.js';
import { skipUnlessReachable, TEST_DATABASE_URL } from '../helpers/services.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  API_KEY,
  AUTH,
  countingHandler,
  listedIds,
  postStripe,
  STRIPE_API_KEY,
  STRIPE_WEBHOOK_SECRET,
} from './reconcile-helpers.js';

const skipPostgres = await skipUnlessReachable('postgres', TEST_DATABASE_URL);

const HOUR = 3_600_000;

/** `count` distinct events from the kept fixtures, created over the last `spanMs`, newest last. */
function eventsOverThePast(count: number, spanMs: number): StripeFixtureEvent[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) =>
    stripeFixtureEvent(STRIPE_PAYMENT_FIXTURES[i % STRIPE_PAYMENT_FIXTURES.length]!, {
      created: Math.floor((now - spanMs + Math.floor((spanMs * i) / count)) / 1000),
    }),
  );
}

/** The service with Stripe's endpoint and its reconciliation against `apiBase`, and a handler counting runs. */
async function startService(t: TestContext, apiBase: string, env: Record<string, string> = {}) {
  const counting = countingHandler();
  const rt = await startTestRuntime(
    t,
    {
      STRIPE_WEBHOOK_SECRETS: STRIPE_WEBHOOK_SECRET,
      STRIPE_API_KEY,
      STRIPE_API_BASE: apiBase,
      API_KEYS: API_KEY,
      // Runs at start, then only when the test asks.
      RECONCILE_INTERVAL_SECONDS: '3600',
      ...env,
    },
    { handler: counting.handler },
  );
  return { ...counting, rt };
}

const stripeStatus = async (store: TransactionStore) =>
  (await store.reconcileStatuses()).find((s) => s.provider === 'stripe');

const allProcessed = (store: TransactionStore, ids: readonly string[]) =>
  waitFor(
    async () => {
      for (const id of ids) if ((await store.get(id))?.status !== 'PROCESSED') return false;
      return true;
    },
    { timeoutMs: 60_000, message: `${ids.length} transactions PROCESSED` },
  );

async function acceptance(t: TestContext, env: Record<string, string>) {
  const events = eventsOverThePast(250, 48 * HOUR);
  // Every sixth event was also delivered as a signed webhook: 40 of them (the last ones are not).
  const delivered = events.filter((_, i) => i % 6 === 0).slice(0, 40);
  const deliveredIds = new Set(delivered.map((e) => e.eventId));
  const recoveredIds = events.filter((e) => !deliveredIds.has(e.eventId)).map((e) => e.eventId);
  assert.equal(recoveredIds.length, 210);
  // Listed events keep the API version they were created with: some of the others are of a later one.
  const listed = events.map((e, i) =>
    !deliveredIds.has(e.eventId) && i % 5 === 1 ? inLaterApiVersion(e.event) : e.event,
  );

  const standIn = await startStripeStandIn(t, STRIPE_API_KEY, listed);
  // The run that starts with the service waits until the webhooks are in.
  const webhooksIn = gate();
  standIn.intercept = async () => {
    await webhooksIn.opened;
    return undefined;
  };
  const { rt, runs } = await startService(t, standIn.url, env);
  for (const e of delivered) {
    const res = await postStripe(rt.url, e.body);
    assert.equal(res.status, 202, JSON.stringify(res.body));
  }
  await allProcessed(rt.store, [...deliveredIds]);
  webhooksIn.open();

  const status = await waitFor(
    async () => (await stripeStatus(rt.store))?.lastRun && stripeStatus(rt.store),
    {
      message: 'the first run recorded',
    },
  );
  assert.deepEqual(
    { ...status.lastRun, startedAt: undefined, finishedAt: undefined },
    {
      provider: 'stripe',
      checked: 250,
      recovered: 210,
      mismatches: 0,
      error: null,
      startedAt: undefined,
      finishedAt: undefined,
    },
  );
  await allProcessed(
    rt.store,
    events.map((e) => e.eventId),
  );
  for (const e of events) assert.equal(runs.get(e.eventId), 1, `${e.eventId} processed once`);

  // Paged as documented: since the lookback, 100 at a time, each page after the last event of the one before.
  const lookback = Math.floor((status.lastRun!.startedAt.getTime() - 72 * HOUR) / 1000);
  assert.equal(standIn.requests.length, 3);
  const [first, second, third] = standIn.requests.map((r) => r.query);
  assert.equal(first!.get('created[gte]'), String(lookback));
  assert.deepEqual(
    [first, second, third].map((q) => q!.get('limit')),
    ['100', '100', '100'],
  );
  const newestFirst = [...events].reverse().map((e) => e.eventId);
  assert.deepEqual(
    [first, second, third].map((q) => q!.get('starting_after')),
    [null, newestFirst[99], newestFirst[199]],
  );

  // received_via, on each record and through the list's filter.
  assert.deepEqual(
    (await listedIds(rt.url, 'provider=stripe&received_via=reconciliation')).sort(),
    [...recoveredIds].sort(),
  );
  assert.deepEqual(
    (await listedIds(rt.url, 'provider=stripe&received_via=webhook')).sort(),
    [...deliveredIds].sort(),
  );
  const shown = await request(rt.url, 'GET', `/v1/transactions/${recoveredIds[0]}`, { headers: AUTH });
  assert.equal((shown.body as { received_via: string }).received_via, 'reconciliation');

  // The watermark: the newest event's time less the overlap.
  const newest = (events.at(-1)!.event.created as number) * 1000;
  assert.equal(status.watermark?.getTime(), newest - STRIPE_WATERMARK_OVERLAP_MS);

  // The next run starts at the watermark and finds nothing missing.
  const [again] = await rt.reconciler!.runNow();
  assert.ok(again && 'run' in again);
  assert.equal(again.run.recovered, 0);
  assert.equal(again.run.error, null);
  assert.equal(
    standIn.requests.at(-1)!.query.get('created[gte]'),
    String((newest - STRIPE_WATERMARK_OVERLAP_MS) / 1000),
  );
  assert.equal((await rt.store.stats(new Date())).byStatus.PROCESSED, 250);
  for (const e of events) assert.equal(runs.get(e.eventId), 1, `${e.eventId} still processed once`);
}

test('stripe recovery (SQLite): of 250 listed events 40 came as webhooks; the run stores the 210 others once, all 250 are processed once, the next run recovers 0', async (t) => {
  await acceptance(t, {});
});

test('stripe recovery (PostgreSQL): the same', { skip: skipPostgres }, async (t) => {
  await acceptance(t, { DATABASE_URL: await disposableDatabase(t, TEST_DATABASE_URL, 'reconcile') });
});

test('a recovered event is stored as its webhook would have been: the same fields, payload and payment state', async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const events = STRIPE_PAYMENT_FIXTURES.map((name, i) =>
    stripeFixtureEvent(name, { created: now - 600 + i }),
  );
  // One service receives every event as a webhook; the other never does, and recovers them.
  const emptyStandIn = await startStripeStandIn(t, STRIPE_API_KEY);
  const delivered = await startService(t, emptyStandIn.url);
  for (const e of events) assert.equal((await postStripe(delivered.rt.url, e.body)).status, 202);
  const standIn = await startStripeStandIn(
    t,
    STRIPE_API_KEY,
    events.map((e) => e.event),
  );
  const recovered = await startService(t, standIn.url);
  await waitFor(async () => (await stripeStatus(recovered.rt.store))?.lastRun, {
    message: 'the run recorded',
  });
  await allProcessed(
    recovered.rt.store,
    events.map((e) => e.eventId),
  );

  const columns = [
    'transactionId',
    'sourceAccount',
    'destinationAccount',
    'amount',
    'currency',
    'provider',
    'eventType',
    'paymentId',
    'paymentStatus',
    'deliveryId',
  ] as const;
  for (const e of events) {
    const a = (await delivered.rt.store.get(e.eventId))!;
    const b = (await recovered.rt.store.get(e.eventId))!;
    for (const column of columns) assert.deepEqual(b[column], a[column], `${e.eventId} ${column}`);
    assert.equal(a.receivedVia, 'webhook');
    assert.equal(b.receivedVia, 'reconciliation');
    // The webhook keeps Stripe's signed bytes; the recovered one the API's copy: the same event.
    assert.equal(a.payload, e.body.toString('utf8'));
    assert.deepEqual(JSON.parse(b.payload ?? 'null'), JSON.parse(a.payload ?? 'null'));
    if (a.paymentId) {
      const path = `/v1/payments/${a.paymentId}`;
      const [viaWebhook, viaApi] = await Promise.all([
        request(delivered.rt.url, 'GET', path, { headers: AUTH }),
        request(recovered.rt.url, 'GET', path, { headers: AUTH }),
      ]);
      const strip = (view: unknown) => ({ ...(view as object), events: undefined });
      assert.deepEqual(strip(viaApi.body), strip(viaWebhook.body), path);
    }
  }
  assert.ok(events.some((e) => e.event.type === 'payment_intent.succeeded'));
});

test('a listed event of a later API version maps as the webhook of its own version does', async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const original = stripeFixtureEvent('payment_intent.succeeded', { created: now - 60 });
  const later = inLaterApiVersion(original.event);
  assert.equal((later.data as { object: { charges?: unknown } }).object.charges, undefined);
  const standIn = await startStripeStandIn(t, STRIPE_API_KEY, [later]);
  const { rt } = await startService(t, standIn.url);
  const record = await waitFor(() => rt.store.get(original.eventId), { message: 'the event recovered' });
  const { data } = original.event as { data: { object: { id: string; amount: number } } };
  assert.equal(record.paymentId, data.object.id);
  assert.equal(record.paymentStatus, 'captured');
  assert.equal(record.amount, data.object.amount);
  assert.equal(record.currency, 'USD');
  assert.equal(JSON.parse(record.payload ?? 'null').api_version, '2025-03-31.basil');
});

test('a 500 ends the run: recorded with the error, the watermark where it was; the next run completes and moves it', async (t) => {
  const old = eventsOverThePast(150, 24 * HOUR).map((e) => ({
    ...e,
    event: { ...e.event, created: (e.event.created as number) - 3600 },
  }));
  const standIn = await startStripeStandIn(
    t,
    STRIPE_API_KEY,
    old.map((e) => e.event),
  );
  const { rt } = await startService(t, standIn.url);
  const first = await waitFor(async () => (await stripeStatus(rt.store))?.lastRun && stripeStatus(rt.store), {
    message: 'the first run recorded',
  });
  assert.equal(first.lastRun?.recovered, 150);
  const watermark = first.watermark!;
  assert.ok(watermark);

  const fresh = eventsOverThePast(150, HOUR / 2);
  standIn.add(...fresh.map((e) => e.event));
  const requestsBefore = standIn.requests.length;
  // The second page of the next run fails as Stripe fails: 500 with its error body.
  standIn.intercept = (_request, index) =>
    index === requestsBefore + 1
      ? { status: 500, body: { error: { message: 'An unknown error occurred', type: 'api_error' } } }
      : undefined;
  const [failed] = await rt.reconciler!.runNow();
  assert.ok(failed && 'run' in failed);
  assert.match(
    failed.run.error ?? '',
    /^Stripe answered HTTP 500 to GET \/v1\/events: An unknown error occurred$/,
  );
  assert.equal(failed.run.recovered, 100, 'the first page was stored before the failure');
  const afterFailure = (await stripeStatus(rt.store))!;
  assert.equal(afterFailure.watermark?.getTime(), watermark.getTime(), 'the watermark did not move');
  assert.equal(afterFailure.consecutiveFailures, 1);
  assert.equal(afterFailure.lastSuccessAt?.getTime(), first.lastSuccessAt?.getTime());
  const view = await request(rt.url, 'GET', '/v1/reconciliation', { headers: AUTH });
  assert.equal(view.status, 200);
  assert.deepEqual(
    (view.body as { runs: { provider: string; error: string }[] }).runs.map((r) => [r.provider, r.error]),
    [['stripe', failed.run.error]],
  );

  // A 429 ends a run the same way.
  standIn.intercept = () => ({
    status: 429,
    body: { error: { message: 'Too many requests', type: 'rate_limit_error' } },
  });
  const [limited] = await rt.reconciler!.runNow();
  assert.ok(limited && 'run' in limited);
  assert.match(limited.run.error ?? '', /HTTP 429/);
  assert.equal((await stripeStatus(rt.store))?.consecutiveFailures, 2);
  assert.equal((await stripeStatus(rt.store))?.watermark?.getTime(), watermark.getTime());

  standIn.intercept = undefined;
  const [complete] = await rt.reconciler!.runNow();
  assert.ok(complete && 'run' in complete);
  assert.equal(complete.run.error, null);
  assert.equal(complete.run.recovered, 50);
  const moved = (await stripeStatus(rt.store))!;
  assert.equal(
    moved.watermark?.getTime(),
    (fresh.at(-1)!.event.created as number) * 1000 - STRIPE_WATERMARK_OVERLAP_MS,
  );
  assert.equal(moved.consecutiveFailures, 0);
  await allProcessed(
    rt.store,
    [...old, ...fresh].map((e) => e.eventId),
  );
});

test('events created while a run pages come before its first page: the next run recovers them, none skipped or repeated', async (t) => {
  const events = eventsOverThePast(250, 2 * HOUR);
  const standIn = await startStripeStandIn(
    t,
    STRIPE_API_KEY,
    events.map((e) => e.event),
  );
  const arriving = eventsOverThePast(30, 0);
  standIn.intercept = (_request, index) => {
    // While the first run reads its second page, 30 new events are created at Stripe.
    if (index === 1) standIn.add(...arriving.map((e) => e.event));
    return undefined;
  };
  const { rt, runs } = await startService(t, standIn.url);
  const first = await waitFor(async () => (await stripeStatus(rt.store))?.lastRun, {
    message: 'the first run',
  });
  assert.equal(first.checked, 250, 'the new events are not on its later pages');
  assert.equal(first.recovered, 250);
  const [next] = await rt.reconciler!.runNow();
  assert.ok(next && 'run' in next);
  assert.equal(next.run.recovered, 30);
  const all = [...events, ...arriving].map((e) => e.eventId);
  await allProcessed(rt.store, all);
  for (const id of all) assert.equal(runs.get(id), 1);
});
