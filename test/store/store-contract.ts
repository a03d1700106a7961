import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type { ReconcileRun } from '../../src/domain/reconciliation.js';
import type { NewTransaction } from '../../src/domain/transaction.js';
import { LEASE_EXPIRED_ERROR, RELEASED_AT_SHUTDOWN_ERROR } from '../../src/domain/transaction-attempt.js';
import {
  compareListOrder,
  type KeysetPosition,
  type TransactionFilter,
} from '../../src/domain/transaction-query.js';
import type { TransactionStore } from '../../src/store/transaction-store.js';
import { newTransaction, uniqueId } from '../helpers/sample-transaction.js';
import { waitFor } from '../helpers/wait-for.js';
import { retentionContract, type TwinFactory } from './retention-contract.js';

/** Makes a ready, empty, isolated store for one test, and arranges its cleanup with `t.after`. */
export type StoreFactory = (t: TestContext) => Promise<TransactionStore>;

/**
 * The behaviour every TransactionStore adapter must have. Each adapter's test file calls this with
 * its own factory; the suite itself never changes per adapter.
 */
export function storeContract(
  name: string,
  makeStore: StoreFactory,
  options: { skip?: string | false; openTwin: TwinFactory },
): void {
  const it = (title: string, fn: (t: TestContext, store: TransactionStore) => Promise<void>) =>
    test(`${name} store: ${title}`, { skip: options.skip || false }, async (t) => fn(t, await makeStore(t)));

  it('inserts a new transaction and reads every field back', async (_t, store) => {
    const item = newTransaction({
      amount: 1500.25,
      payload: '{"transaction_id":"x","note":"naïve ☃ 🚀"}',
      deliveryId: 'evt_1',
      requestId: 'req-42',
    });
    const [outcome] = await store.insertMany([item]);
    assert.equal(outcome?.inserted, true);
    assert.equal(outcome?.record.status, 'RECEIVED');
    const read = await store.get(item.transactionId);
    assert.ok(read);
    assert.equal(read.transactionId, item.transactionId);
    assert.equal(read.sourceAccount, item.sourceAccount);
    assert.equal(read.destinationAccount, item.destinationAccount);
    assert.equal(read.amount, 1500.25);
    assert.equal(read.currency, 'INR');
    assert.equal(read.status, 'RECEIVED');
    assert.equal(read.attempts, 0);
    assert.equal(read.payload, item.payload);
    assert.equal(read.deliveryId, 'evt_1');
    assert.equal(read.requestId, 'req-42');
    assert.equal(read.processedAt, null);
    assert.equal(read.leaseOwner, null);
    assert.equal(read.lastError, null);
    assert.ok(Math.abs(read.createdAt.getTime() - item.receivedAt.getTime()) < 2);
    assert.deepEqual(outcome?.record, read, 'insertMany returns the record as stored, field for field');
  });

  it("stores a provider event's fields, and the original contract's fields as null where it has none", async (_t, store) => {
    const paymentId = uniqueId('pay');
    const event = newTransaction({
      sourceAccount: null,
      destinationAccount: 'acc_E7OQJcEANmBHTC',
      amount: 50000,
      currency: 'INR',
      provider: 'razorpay',
      eventType: 'payment.captured',
      paymentId,
      paymentStatus: 'captured',
      deliveryId: 'evt-header-1',
    });
    const bare = newTransaction({
      sourceAccount: null,
      destinationAccount: null,
      amount: null,
      currency: null,
      provider: 'stripe',
      eventType: 'customer.subscription.created',
    });
    const outcomes = await store.insertMany([event, bare]);
    for (const [i, item] of [event, bare].entries()) {
      const read = await store.get(item.transactionId);
      assert.ok(read);
      for (const field of [
        'sourceAccount',
        'destinationAccount',
        'amount',
        'currency',
        'provider',
        'eventType',
        'paymentId',
        'paymentStatus',
      ] as const) {
        assert.equal(read[field], item[field], `${item.transactionId} ${field}`);
      }
      assert.deepEqual(outcomes[i]?.record, read, 'insertMany returns the record as stored');
    }
    // Original-contract records read back with the provider fields null.
    const original = newTransaction();
    await store.insertMany([original]);
    const read = await store.get(original.transactionId);
    assert.deepEqual(
      [read?.provider, read?.eventType, read?.paymentId, read?.paymentStatus],
      [null, null, null, null],
    );
  });

  it("finds a payment's events, oldest first, and no other payment's", async (_t, store) => {
    const paymentId = uniqueId('pay');
    const start = Date.now() - 10_000;
    const events = ['payment.authorized', 'payment.failed', 'payment.captured'].map((eventType, i) =>
      newTransaction({
        provider: 'razorpay',
        eventType,
        paymentId,
        receivedAt: new Date(start + i * 1000),
      }),
    );
    const other = newTransaction({
      provider: 'razorpay',
      eventType: 'payment.captured',
      paymentId: uniqueId('pay'),
    });
    // Inserted newest first: the order must come from the times, not from insertion.
    await store.insertMany([other, ...[...events].reverse()]);
    const found = await store.findByPayment(paymentId, 100);
    assert.deepEqual(
      found.map((r) => r.eventType),
      ['payment.authorized', 'payment.failed', 'payment.captured'],
    );
    assert.deepEqual(
      (await store.findByPayment(paymentId, 2)).map((r) => r.transactionId),
      events.slice(0, 2).map((e) => e.transactionId),
    );
    assert.deepEqual(await store.findByPayment(uniqueId('pay'), 100), []);
  });

  it('stores any provider name: the schema lists none, the registry checks names where they enter', async (_t, store) => {
    const names = ['razorpay', 'cashfree', 'payu', 'phonepe', 'paytm', 'testgateway7'];
    const events = names.map((provider) => newTransaction({ provider, paymentId: uniqueId('pay') }));
    assert.deepEqual(
      (await store.insertMany(events)).map((o) => o.inserted),
      names.map(() => true),
    );
    for (const event of events) {
      assert.equal((await store.get(event.transactionId))?.provider, event.provider);
      const listed = await store.list({ filter: { provider: event.provider! }, limit: 500 });
      assert.ok(
        listed.some((r) => r.transactionId === event.transactionId),
        event.provider!,
      );
    }
    const stats = await store.stats(new Date());
    assert.deepEqual(stats.byProvider.testgateway7, { RECEIVED: 1, PROCESSING: 0, FAILED: 0 });
  });

  it('returns null for an unknown id', async (_t, store) => {
    assert.equal(await store.get(uniqueId()), null);
  });

  it('keeps the first delivery when an id repeats, across calls and within a batch', async (_t, store) => {
    const first = newTransaction({ amount: 10 });
    const again = { ...first, amount: 99, payload: '{"changed":true}' };
    const [a] = await store.insertMany([first]);
    const [b, c] = await store.insertMany([again, { ...again, amount: 7 }]);
    assert.equal(a?.inserted, true);
    assert.equal(b?.inserted, false);
    assert.equal(c?.inserted, false);
    assert.equal(b?.record.amount, 10);
    const other = newTransaction();
    const outcomes = await store.insertMany([other, { ...other, amount: 1 }]);
    assert.deepEqual(
      outcomes.map((o) => o.inserted),
      [true, false],
    );
    assert.equal((await store.get(first.transactionId))?.amount, 10);
    assert.equal((await store.get(first.transactionId))?.payload, first.payload);
  });

  it('inserts one record when many concurrent calls offer the same id', async (_t, store) => {
    const item = newTransaction();
    const outcomes = await Promise.all(Array.from({ length: 25 }, () => store.insertMany([{ ...item }])));
    assert.equal(outcomes.flat().filter((o) => o.inserted).length, 1);
    assert.equal((await store.countByStatus()).RECEIVED, 1);
  });

  it('returns amounts exactly as given, up to 15 significant digits', async (_t, store) => {
    const amounts = [0.1, 0.3, 1500, 1500.5, 19.99, 123456789012345, 99999999999999.9, 0.000001, 1e-7, 5e20];
    const items = amounts.map((amount) => newTransaction({ amount }));
    await store.insertMany(items);
    for (const item of items) assert.equal((await store.get(item.transactionId))?.amount, item.amount);
  });

  it('claims a RECEIVED transaction once, as a lease', async (_t, store) => {
    const item = newTransaction();
    await store.insertMany([item]);
    const before = Date.now();
    const claim = await store.claim(item.transactionId, 'owner-a', 30_000);
    assert.ok(claim);
    assert.equal(claim.reclaimed, false);
    assert.equal(claim.record.status, 'PROCESSING');
    assert.equal(claim.record.attempts, 1);
    assert.equal(claim.record.leaseOwner, 'owner-a');
    assert.ok(claim.record.leaseExpiresAt!.getTime() >= before + 29_000);
    assert.equal(await store.claim(item.transactionId, 'owner-b', 30_000), null);
    assert.equal(await store.claim(uniqueId(), 'owner-b', 30_000), null);
  });

  it('lets exactly one of many concurrent claimers win', async (_t, store) => {
    const item = newTransaction();
    await store.insertMany([item]);
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, i) => store.claim(item.transactionId, `owner-${i}`, 30_000)),
    );
    assert.equal(claims.filter(Boolean).length, 1);
    assert.equal((await store.get(item.transactionId))?.attempts, 1);
  });

  it('lets an expired lease be reclaimed, and refuses the old owner afterwards', async (_t, store) => {
    const item = newTransaction();
    await store.insertMany([item]);
    assert.ok(await store.claim(item.transactionId, 'stalled', 60));
    const reclaim = await waitFor(() => store.claim(item.transactionId, 'rescuer', 30_000), {
      message: 'the lease to expire',
    });
    assert.equal(reclaim.reclaimed, true);
    assert.equal(reclaim.record.attempts, 2);
    assert.equal(await store.complete(item.transactionId, 'stalled'), false);
    assert.equal(await store.fail(item.transactionId, 'stalled', 'x'), false);
    assert.equal(await store.release(item.transactionId, 'stalled'), false);
    assert.equal(await store.complete(item.transactionId, 'rescuer'), true);
  });

  it('completes only for the lease holder, once', async (_t, store) => {
    const item = newTransaction();
    await store.insertMany([item]);
    await store.claim(item.transactionId, 'owner-a', 30_000);
    assert.equal(await store.complete(item.transactionId, 'owner-b'), false);
    assert.equal(await store.complete(item.transactionId, 'owner-a'), true);
    assert.equal(await store.complete(item.transactionId, 'owner-a'), false);
    const done = await store.get(item.transactionId);
    assert.equal(done?.status, 'PROCESSED');
    assert.ok(done?.processedAt);
    assert.equal(done?.leaseOwner, null);
    assert.equal(await store.claim(item.transactionId, 'owner-a', 30_000), null);
  });

  it('claims many ids at once, each once, even when one is asked for twice together', async (_t, store) => {
    const items = Array.from({ length: 20 }, () => newTransaction());
    await store.insertMany(items);
    const ids = items.map((i) => i.transactionId);
    // The same owner asks for every id, some of them twice, all in one turn of the event loop.
    const asks = [...ids, ids[0]!, ids[7]!, ids[7]!, uniqueId()];
    const claims = await Promise.all(asks.map((id) => store.claim(id, 'owner-a', 30_000)));
    for (const id of ids) {
      const won = claims.filter((c, i) => c !== null && asks[i] === id);
      assert.equal(won.length, 1, `claims won for ${id}`);
      assert.equal(won[0]!.record.transactionId, id);
      assert.equal(won[0]!.record.attempts, 1);
    }
    assert.equal(claims.at(-1), null);
    assert.deepEqual(
      await Promise.all(ids.map(async (id) => (await store.get(id))?.attempts)),
      ids.map(() => 1),
    );
  });

  it('completes many ids at once: only the lease holder, each once', async (_t, store) => {
    const items = Array.from({ length: 12 }, () => newTransaction());
    await store.insertMany(items);
    const ids = items.map((i) => i.transactionId);
    for (const id of ids) assert.ok(await store.claim(id, 'owner-a', 30_000));
    const asks = [
      ...ids.map((id) => ({ id, owner: 'owner-a' })),
      { id: ids[3]!, owner: 'owner-a' },
      { id: ids[4]!, owner: 'owner-b' },
      { id: uniqueId(), owner: 'owner-a' },
    ];
    const done = await Promise.all(asks.map(({ id, owner }) => store.complete(id, owner)));
    for (const id of ids) {
      const won = done.filter((ok, i) => ok && asks[i]!.id === id);
      assert.equal(won.length, 1, `completions recorded for ${id}`);
      assert.equal((await store.get(id))?.status, 'PROCESSED');
    }
    assert.deepEqual(done.slice(ids.length), [false, false, false]);
  });

  it('renews only the leases the owner still holds', async (_t, store) => {
    const mine = newTransaction();
    const theirs = newTransaction();
    await store.insertMany([mine, theirs]);
    const claimed = await store.claim(mine.transactionId, 'me', 1_000);
    await store.claim(theirs.transactionId, 'them', 1_000);
    const kept = await store.renewLeases(
      [mine.transactionId, theirs.transactionId, uniqueId()],
      'me',
      60_000,
    );
    assert.deepEqual(kept, [mine.transactionId]);
    const renewed = await store.get(mine.transactionId);
    assert.ok(renewed!.leaseExpiresAt!.getTime() > claimed!.record.leaseExpiresAt!.getTime() + 30_000);
    assert.deepEqual(await store.renewLeases([], 'me', 60_000), []);
  });

  it('schedules a retry: RECEIVED with the error, not claimable before its time', async (_t, store) => {
    const item = newTransaction();
    await store.insertMany([item]);
    await store.claim(item.transactionId, 'w', 30_000);
    assert.equal(
      await store.retryLater(item.transactionId, 'w', 'Error: boom', new Date(Date.now() + 150)),
      true,
    );
    const waiting = await store.get(item.transactionId);
    assert.equal(waiting?.status, 'RECEIVED');
    assert.equal(waiting?.lastError, 'Error: boom');
    assert.equal(waiting?.leaseOwner, null);
    assert.equal(await store.claim(item.transactionId, 'w', 30_000), null);
    const again = await waitFor(() => store.claim(item.transactionId, 'w', 30_000), {
      message: 'the retry time',
    });
    assert.equal(again.record.attempts, 2);
    assert.equal(again.reclaimed, false);
  });

  it('fails a transaction and requeues only FAILED ones', async (_t, store) => {
    const item = newTransaction();
    await store.insertMany([item]);
    assert.equal(await store.requeue(item.transactionId), null);
    await store.claim(item.transactionId, 'w', 30_000);
    assert.equal(await store.fail(item.transactionId, 'w', 'PermanentError: declined'), true);
    const failed = await store.get(item.transactionId);
    assert.equal(failed?.status, 'FAILED');
    assert.equal(failed?.lastError, 'PermanentError: declined');
    assert.equal(failed?.attempts, 1);
    assert.equal(await store.claim(item.transactionId, 'w', 30_000), null);
    const requeued = await store.requeue(item.transactionId);
    assert.equal(requeued?.status, 'RECEIVED');
    assert.equal(requeued?.attempts, 0);
    assert.equal(requeued?.lastError, 'PermanentError: declined');
    assert.ok(await store.claim(item.transactionId, 'w', 30_000));
    assert.equal(await store.requeue(uniqueId()), null);
  });

  it('releases a lease without counting the attempt', async (_t, store) => {
    const item = newTransaction();
    await store.insertMany([item]);
    await store.claim(item.transactionId, 'w', 30_000);
    assert.equal(await store.release(item.transactionId, 'other'), false);
    assert.equal(await store.release(item.transactionId, 'w'), true);
    const released = await store.get(item.transactionId);
    assert.equal(released?.status, 'RECEIVED');
    assert.equal(released?.attempts, 0);
    assert.equal(released?.leaseOwner, null);
    assert.equal((await store.claim(item.transactionId, 'w2', 30_000))?.record.attempts, 1);
  });

  it('finds RECEIVED rows past the threshold and expired leases, nothing else', async (_t, store) => {
    const [old, fresh, expired, leased, done] = Array.from({ length: 5 }, () => newTransaction());
    await store.insertMany([
      { ...old!, receivedAt: new Date(Date.now() - 60_000) },
      fresh!,
      expired!,
      leased!,
      done!,
    ]);
    await store.claim(expired!.transactionId, 'dead', 40);
    await store.claim(leased!.transactionId, 'alive', 60_000);
    await store.claim(done!.transactionId, 'alive', 60_000);
    await store.complete(done!.transactionId, 'alive');
    await waitFor(
      async () => (await store.get(expired!.transactionId))!.leaseExpiresAt!.getTime() < Date.now() - 5,
    );
    const due = await store.findDue({
      receivedBefore: new Date(Date.now() - 30_000),
      leaseExpiredBefore: new Date(),
      limit: 100,
    });
    assert.deepEqual(
      due.sort((a, b) => a.transactionId.localeCompare(b.transactionId)),
      [
        { transactionId: old!.transactionId, attempts: 0 },
        { transactionId: expired!.transactionId, attempts: 1 },
      ].sort((a, b) => a.transactionId.localeCompare(b.transactionId)),
    );
    const limited = await store.findDue({
      receivedBefore: new Date(),
      leaseExpiredBefore: new Date(),
      limit: 1,
    });
    assert.equal(limited.length, 1);
  });

  it('lists lease owners and expires the leases of one', async (_t, store) => {
    const [a, b, c] = Array.from({ length: 3 }, () => newTransaction());
    await store.insertMany([a!, b!, c!]);
    await store.claim(a!.transactionId, 'dead-owner', 60_000);
    await store.claim(b!.transactionId, 'dead-owner', 60_000);
    await store.claim(c!.transactionId, 'live-owner', 60_000);
    assert.deepEqual((await store.leaseOwners()).sort(), ['dead-owner', 'live-owner']);
    assert.equal(await store.expireLeases('dead-owner'), 2);
    const reclaimed = await store.claim(a!.transactionId, 'rescuer', 60_000);
    assert.equal(reclaimed?.reclaimed, true);
    assert.equal(await store.claim(c!.transactionId, 'rescuer', 60_000), null);
  });

  it('counts transactions by status', async (_t, store) => {
    const items = Array.from({ length: 4 }, () => newTransaction());
    await store.insertMany(items);
    await store.claim(items[0]!.transactionId, 'w', 60_000);
    await store.claim(items[1]!.transactionId, 'w', 60_000);
    await store.complete(items[1]!.transactionId, 'w');
    await store.claim(items[2]!.transactionId, 'w', 60_000);
    await store.fail(items[2]!.transactionId, 'w', 'e');
    assert.deepEqual(await store.countByStatus(), { RECEIVED: 1, PROCESSING: 1, PROCESSED: 1, FAILED: 1 });
  });

  it('lists newest first, ties by the higher id byte by byte, every row once across pages', async (_t, store) => {
    const base = Date.now() - 60_000;
    // Five rows share one millisecond; their ids differ in case and length, where collations disagree.
    const tied = ['txn_B', 'txn_a', 'txn_b', 'txn_a1', 'txn_A'].map((suffix) =>
      newTransaction({ transactionId: uniqueId(suffix), receivedAt: new Date(base) }),
    );
    const spread = Array.from({ length: 12 }, (_, i) =>
      newTransaction({ receivedAt: new Date(base - 1000 + i * 7) }),
    );
    const all = [...spread, ...tied];
    await store.insertMany([...all].reverse());
    const expected = sortedIds(all);
    const pages = await pagesOf(store, {}, 4);
    assert.deepEqual(pages.flat(), expected);
    assert.deepEqual(
      pages.map((p) => p.length),
      [4, 4, 4, 4, 1],
    );
    // A page never carries the raw payload.
    const [first] = await store.list({ filter: {}, limit: 1 });
    assert.equal((first as { payload?: string } | undefined)?.payload, undefined);
    assert.equal(first?.transactionId, expected[0]);
  });

  it('pages never repeat or skip a row while new transactions arrive', async (_t, store) => {
    const start = Date.now() - 10_000;
    const existing = Array.from({ length: 30 }, (_, i) =>
      newTransaction({ receivedAt: new Date(start + i) }),
    );
    await store.insertMany(existing);
    const seen: string[] = [];
    let after: KeysetPosition | undefined;
    for (;;) {
      const page = await store.list({ filter: {}, after, limit: 7 });
      if (page.length === 0) break;
      seen.push(...page.map((r) => r.transactionId));
      after = page.at(-1)!;
      // New webhooks arrive between pages: created now, newer than every listed row.
      await store.insertMany([newTransaction(), newTransaction()]);
    }
    assert.deepEqual(seen, sortedIds(existing));
  });

  it('filters by status, provider, event type, payment and creation time', async (_t, store) => {
    const t0 = Date.now() - 100_000;
    const at = (s: number) => new Date(t0 + s * 1000);
    const paymentId = uniqueId('pay');
    const rows = {
      plain: newTransaction({ receivedAt: at(1) }),
      captured: newTransaction({
        receivedAt: at(2),
        provider: 'razorpay',
        eventType: 'payment.captured',
        paymentId,
      }),
      authorized: newTransaction({
        receivedAt: at(3),
        provider: 'razorpay',
        eventType: 'payment.authorized',
        paymentId,
      }),
      stripe: newTransaction({
        receivedAt: at(4),
        provider: 'stripe',
        eventType: 'payment_intent.succeeded',
      }),
      failed: newTransaction({
        receivedAt: at(5),
        provider: 'stripe',
        eventType: 'payment_intent.succeeded',
      }),
    };
    await store.insertMany(Object.values(rows));
    await failTransaction(store, rows.failed.transactionId);
    await failTransaction(store, rows.plain.transactionId);
    const ids = async (filter: TransactionFilter) =>
      (await store.list({ filter, limit: 100 })).map((r) => r.transactionId);
    const name = (...keys: (keyof typeof rows)[]) => keys.map((k) => rows[k].transactionId);
    assert.deepEqual(await ids({ status: 'FAILED' }), name('failed', 'plain'));
    assert.deepEqual(await ids({ status: 'FAILED', provider: 'stripe' }), name('failed'));
    assert.deepEqual(await ids({ status: 'RECEIVED' }), name('stripe', 'authorized', 'captured'));
    assert.deepEqual(await ids({ provider: 'razorpay' }), name('authorized', 'captured'));
    assert.deepEqual(await ids({ eventType: 'payment_intent.succeeded' }), name('failed', 'stripe'));
    assert.deepEqual(await ids({ paymentId }), name('authorized', 'captured'));
    assert.deepEqual(await ids({ paymentId, eventType: 'payment.captured' }), name('captured'));
    // created_after is inclusive, created_before exclusive.
    assert.deepEqual(
      await ids({ createdAfter: at(2), createdBefore: at(4) }),
      name('authorized', 'captured'),
    );
    assert.deepEqual(await ids({ createdAfter: at(5) }), name('failed'));
    assert.deepEqual(await ids({ createdBefore: at(1) }), []);
    assert.deepEqual(await ids({ provider: 'stripe', status: 'PROCESSED' }), []);
    // Paging within a filter.
    const pages = await pagesOf(store, { provider: 'razorpay' }, 1);
    assert.deepEqual(pages.flat(), name('authorized', 'captured'));
  });

  it('states the operator figures: counts, oldest RECEIVED, recent failures, open counts by provider', async (_t, store) => {
    const empty = await store.stats(new Date(Date.now() - 3_600_000));
    assert.deepEqual(empty.byStatus, { RECEIVED: 0, PROCESSING: 0, PROCESSED: 0, FAILED: 0 });
    assert.equal(empty.oldestReceivedAt, null);
    assert.equal(empty.recentFailures, 0);
    // Only providers with open rows: the views add the registered providers that have none.
    assert.deepEqual(empty.byProvider, {});

    const oldest = new Date(Date.now() - 50_000);
    const items = [
      newTransaction({ receivedAt: oldest }),
      newTransaction({ provider: 'razorpay' }),
      newTransaction({ provider: 'razorpay' }),
      newTransaction({ provider: 'stripe' }),
      newTransaction({ provider: 'stripe' }),
      newTransaction(),
    ];
    await store.insertMany(items);
    const [plain, rzpA, rzpB, stripeA, stripeB, done] = items.map((i) => i.transactionId) as string[];
    await failTransaction(store, rzpA!);
    await failTransaction(store, stripeA!);
    await store.claim(stripeB!, 'w', 60_000);
    await store.claim(done!, 'w', 60_000);
    assert.equal(await store.complete(done!, 'w'), true);
    const beforeLastFailure = await nextMillisecond(new Date());
    await failTransaction(store, plain!);

    const stats = await store.stats(beforeLastFailure);
    assert.deepEqual(stats.byStatus, { RECEIVED: 1, PROCESSING: 1, PROCESSED: 1, FAILED: 3 });
    assert.deepEqual(await store.countByStatus(), stats.byStatus);
    assert.equal(stats.recentFailures, 1, 'only the failure recorded after the instant asked about');
    assert.equal((await store.stats(new Date(Date.now() - 3_600_000))).recentFailures, 3);
    assert.equal(stats.oldestReceivedAt?.getTime(), (await store.get(rzpB!))?.createdAt.getTime());
    assert.deepEqual(stats.byProvider, {
      razorpay: { RECEIVED: 1, PROCESSING: 0, FAILED: 1 },
      stripe: { RECEIVED: 0, PROCESSING: 1, FAILED: 1 },
    });
    // The oldest RECEIVED moves on once it is claimed; a requeued row counts as RECEIVED again.
    await store.requeue(plain!);
    const later = await store.stats(new Date());
    assert.equal(later.oldestReceivedAt?.getTime(), oldest.getTime());
    assert.deepEqual(later.byStatus, { RECEIVED: 2, PROCESSING: 1, PROCESSED: 1, FAILED: 2 });
  });

  it('counts PROCESSED exactly across many completions, repeated and concurrent ones included', async (_t, store) => {
    const items = Array.from({ length: 40 }, () => newTransaction());
    await store.insertMany(items);
    for (const item of items) await store.claim(item.transactionId, 'w', 60_000);
    const asks = [...items, ...items.slice(0, 10)].map((i) => store.complete(i.transactionId, 'w'));
    assert.equal((await Promise.all(asks)).filter(Boolean).length, 40);
    assert.equal((await store.countByStatus()).PROCESSED, 40);
    assert.equal((await store.stats(new Date())).byStatus.PROCESSED, 40);
  });

  it('counts and requeues only FAILED matches, in bounded batches, each once', async (_t, store) => {
    const failedStripe = Array.from({ length: 5 }, () => newTransaction({ provider: 'stripe' }));
    const failedPlain = Array.from({ length: 3 }, () => newTransaction());
    const receivedStripe = newTransaction({ provider: 'stripe' });
    const processedStripe = newTransaction({ provider: 'stripe' });
    await store.insertMany([...failedStripe, ...failedPlain, receivedStripe, processedStripe]);
    for (const item of [...failedStripe, ...failedPlain]) await failTransaction(store, item.transactionId);
    await store.claim(processedStripe.transactionId, 'w', 60_000);
    await store.complete(processedStripe.transactionId, 'w');

    const stripe = { kind: 'filter', filter: { provider: 'stripe' } } as const;
    assert.equal(await store.countFailed(stripe), 5);
    assert.equal(await store.countFailed({ kind: 'filter', filter: {} }), 8);
    const named = {
      kind: 'ids',
      ids: [failedPlain[0]!.transactionId, receivedStripe.transactionId, uniqueId()],
    } as const;
    assert.equal(await store.countFailed(named), 1);

    const startedAt = new Date();
    const first = await store.requeueFailed(stripe, startedAt, 2);
    assert.equal(first.length, 2);
    assert.ok(first.every((r) => r.attempts === 0));
    // A requeued row that fails again after the retry began is not taken a second time.
    await nextMillisecond(startedAt);
    await failTransaction(store, first[0]!.transactionId);
    const rest = [];
    for (;;) {
      const batch = await store.requeueFailed(stripe, startedAt, 2);
      if (batch.length === 0) break;
      assert.ok(batch.length <= 2);
      rest.push(...batch);
    }
    const requeued = [...first, ...rest].map((r) => r.transactionId).sort();
    assert.deepEqual(requeued, failedStripe.map((i) => i.transactionId).sort());
    assert.equal((await store.get(first[0]!.transactionId))?.status, 'FAILED');
    assert.equal((await store.get(first[1]!.transactionId))?.status, 'RECEIVED');
    assert.equal((await store.get(first[1]!.transactionId))?.attempts, 0);
    assert.equal((await store.get(receivedStripe.transactionId))?.status, 'RECEIVED');
    assert.equal((await store.get(processedStripe.transactionId))?.status, 'PROCESSED');
    assert.equal((await store.get(failedPlain[1]!.transactionId))?.status, 'FAILED');

    const byIds = await store.requeueFailed(named, new Date(), 500);
    assert.deepEqual(
      byIds.map((r) => r.transactionId),
      [failedPlain[0]!.transactionId],
    );
    assert.deepEqual(await store.requeueFailed(named, new Date(), 500), [], 'repeating finds nothing left');
    assert.ok(await store.claim(failedPlain[0]!.transactionId, 'w', 60_000), 'a requeued row is claimable');
  });

  it('stores how each event arrived, and lists, pages and counts by it', async (_t, store) => {
    const t0 = Date.now() - 100_000;
    const at = (s: number) => new Date(t0 + s * 1000);
    const delivered = newTransaction({ receivedAt: at(1), provider: 'stripe' });
    const recovered = Array.from({ length: 5 }, (_, i) =>
      newTransaction({ receivedAt: at(2 + i), provider: 'stripe', receivedVia: 'reconciliation' }),
    );
    const plain = newTransaction({ receivedAt: at(10) });
    const outcomes = await store.insertMany([delivered, ...recovered, plain]);
    assert.deepEqual(
      outcomes.map((o) => o.record.receivedVia),
      ['webhook', ...recovered.map(() => 'reconciliation'), 'webhook'],
    );
    assert.equal((await store.get(delivered.transactionId))?.receivedVia, 'webhook');
    assert.equal((await store.get(recovered[0]!.transactionId))?.receivedVia, 'reconciliation');
    // A repeat of a recovered event arriving as a webhook changes nothing: the first stays.
    const [again] = await store.insertMany([{ ...recovered[0]!, receivedVia: 'webhook' }]);
    assert.equal(again?.inserted, false);
    assert.equal(again?.record.receivedVia, 'reconciliation');

    const pages = await pagesOf(store, { receivedVia: 'reconciliation' }, 2);
    assert.deepEqual(pages.flat(), sortedIds(recovered));
    assert.deepEqual(
      pages.map((p) => p.length),
      [2, 2, 1],
    );
    const [row] = await store.list({ filter: { receivedVia: 'reconciliation' }, limit: 1 });
    assert.equal(row?.receivedVia, 'reconciliation');
    assert.deepEqual(
      (await pagesOf(store, { receivedVia: 'webhook' }, 10)).flat(),
      sortedIds([delivered, plain]),
    );
    assert.deepEqual((await pagesOf(store, { receivedVia: 'webhook', provider: 'stripe' }, 10)).flat(), [
      delivered.transactionId,
    ]);
    await failTransaction(store, recovered[1]!.transactionId);
    await failTransaction(store, delivered.transactionId);
    const selection = { kind: 'filter', filter: { receivedVia: 'reconciliation' } } as const;
    assert.equal(await store.countFailed(selection), 1);
    assert.deepEqual(
      (await store.requeueFailed(selection, new Date(), 10)).map((r) => r.transactionId),
      [recovered[1]!.transactionId],
    );
  });

  it("gives a provider's reconciliation lease to one of many concurrent takers, per provider", async (_t, store) => {
    const owners = Array.from({ length: 8 }, (_, i) => `worker-${i}`);
    const taken = await Promise.all(
      owners.map((owner) => store.takeReconcileLease('stripe', owner, 60_000, { whenDue: true })),
    );
    assert.equal(taken.filter((l) => l !== null).length, 1);
    assert.deepEqual(
      taken.find((l) => l !== null),
      { watermark: null },
    );
    const holder = owners[taken.findIndex((l) => l !== null)]!;
    assert.equal(await store.takeReconcileLease('stripe', 'late', 60_000, { whenDue: false }), null);
    assert.ok(await store.takeReconcileLease('razorpay', 'late', 60_000, { whenDue: true }));
    assert.equal(await store.renewReconcileLease('stripe', 'late', 60_000), false);
    assert.equal(await store.renewReconcileLease('stripe', holder, 60_000), true);
    await store.releaseReconcileLease('stripe', 'late');
    assert.equal(await store.takeReconcileLease('stripe', 'late', 60_000, { whenDue: false }), null);
    await store.releaseReconcileLease('stripe', holder);
    assert.ok(
      await store.takeReconcileLease('stripe', 'late', 60_000, { whenDue: true }),
      'free once released',
    );
    assert.deepEqual(
      (await store.reconcileStatuses()).map((s) => [s.provider, s.lastRun]),
      [
        ['razorpay', null],
        ['stripe', null],
      ],
    );
  });

  it("lets another take a crashed holder's expired lease; the old holder can then neither renew nor record", async (_t, store) => {
    assert.ok(await store.takeReconcileLease('stripe', 'crashed', 30, { whenDue: true }));
    const lease = await waitFor(
      () => store.takeReconcileLease('stripe', 'rescuer', 60_000, { whenDue: true }),
      {
        message: 'the expired lease taken',
      },
    );
    assert.deepEqual(lease, { watermark: null });
    assert.equal(await store.renewReconcileLease('stripe', 'crashed', 60_000), false);
    const now = new Date();
    const run = {
      provider: 'stripe',
      startedAt: now,
      finishedAt: now,
      checked: 1,
      recovered: 1,
      mismatches: 0,
      error: null,
    } as const;
    assert.equal(await store.recordReconcileRun('crashed', { run, nextRunAt: now, watermark: now }), false);
    assert.equal((await store.reconcileStatuses())[0]?.lastRun, null, 'nothing recorded for the old holder');
    assert.equal(await store.recordReconcileRun('rescuer', { run, nextRunAt: now, watermark: now }), true);
    assert.equal((await store.reconcileStatuses())[0]?.watermark?.getTime(), now.getTime());
  });

  it('runs a provider again only once due, unless asked to run now', async (_t, store) => {
    assert.ok(await store.takeReconcileLease('razorpay', 'a', 60_000, { whenDue: true }));
    const now = new Date();
    const run = {
      provider: 'razorpay',
      startedAt: now,
      finishedAt: now,
      checked: 0,
      recovered: 0,
      mismatches: 0,
      error: null,
    } as const;
    assert.ok(await store.recordReconcileRun('a', { run, nextRunAt: new Date(now.getTime() + 3_600_000) }));
    assert.equal(await store.takeReconcileLease('razorpay', 'b', 60_000, { whenDue: true }), null);
    assert.ok(await store.takeReconcileLease('razorpay', 'b', 60_000, { whenDue: false }));
    assert.ok(await store.recordReconcileRun('b', { run, nextRunAt: new Date(now.getTime() - 1) }));
    assert.ok(await store.takeReconcileLease('razorpay', 'c', 60_000, { whenDue: true }), 'due again');
  });

  it('records runs: the watermark only moves later, mismatches are replaced by complete runs, failures counted', async (_t, store) => {
    const t0 = Date.now() - 3_600_000;
    const at = (s: number) => new Date(t0 + s * 1000);
    const mismatch = (paymentId: string, amount: number, provider: 'razorpay' | 'stripe' = 'razorpay') => ({
      provider,
      paymentId,
      providerStatus: 'captured' as const,
      derivedStatus: null,
      amount,
      currency: 'INR',
      createdAt: at(0),
    });
    const run = (s: number, fields: Partial<ReconcileRun> = {}): ReconcileRun => ({
      provider: 'razorpay',
      startedAt: at(s),
      finishedAt: at(s + 1),
      checked: 30,
      recovered: 0,
      mismatches: 0,
      error: null,
      ...fields,
    });
    const take = async (provider: 'razorpay' | 'stripe' = 'razorpay') => {
      const lease = await store.takeReconcileLease(provider, 'w', 60_000, { whenDue: false });
      assert.ok(lease);
      return lease;
    };
    const status = async (provider = 'razorpay') =>
      (await store.reconcileStatuses()).find((s) => s.provider === provider)!;

    await take();
    const first = run(10, { mismatches: 7 });
    assert.ok(
      await store.recordReconcileRun('w', {
        run: first,
        nextRunAt: at(20),
        watermark: at(5),
        mismatches: { kept: [mismatch('pay_small', 100), mismatch('pay_large', 90_000)], count: 7 },
      }),
    );
    assert.deepEqual(await status(), {
      provider: 'razorpay',
      lastRun: first,
      lastSuccessAt: first.finishedAt,
      consecutiveFailures: 0,
      mismatchCount: 7,
      watermark: at(5),
    });
    assert.deepEqual(
      (await store.listMismatches(500)).map((m) => [m.paymentId, m.amount]),
      [
        ['pay_large', 90_000],
        ['pay_small', 100],
      ],
    );
    assert.deepEqual((await store.listMismatches(500))[0], mismatch('pay_large', 90_000));

    assert.deepEqual(await take(), { watermark: at(5) });
    const failed = run(30, { mismatches: 2, error: 'Razorpay answered HTTP 500' });
    assert.ok(await store.recordReconcileRun('w', { run: failed, nextRunAt: at(40) }));
    const afterFailure = await status();
    assert.deepEqual(afterFailure.lastRun, failed);
    assert.equal(afterFailure.lastSuccessAt?.getTime(), first.finishedAt.getTime());
    assert.equal(afterFailure.consecutiveFailures, 1);
    assert.equal(afterFailure.mismatchCount, 7, 'a failed run leaves the complete one in place');
    assert.equal((await store.listMismatches(500)).length, 2);
    await take();
    assert.ok(await store.recordReconcileRun('w', { run: run(50, { error: 'again' }), nextRunAt: at(60) }));
    assert.equal((await status()).consecutiveFailures, 2);

    await take();
    const complete = run(70, { mismatches: 1 });
    assert.ok(
      await store.recordReconcileRun('w', {
        run: complete,
        nextRunAt: at(80),
        watermark: at(1),
        mismatches: { kept: [mismatch('pay_new', 500)], count: 1 },
      }),
    );
    const afterComplete = await status();
    assert.equal(afterComplete.watermark?.getTime(), at(5).getTime(), 'never moved earlier');
    assert.equal(afterComplete.consecutiveFailures, 0);
    assert.equal(afterComplete.lastSuccessAt?.getTime(), complete.finishedAt.getTime());
    assert.equal(afterComplete.mismatchCount, 1);

    // Each provider's mismatches are its own; the list merges them, largest first, up to the limit.
    await take('stripe');
    assert.ok(
      await store.recordReconcileRun('w', {
        run: run(90, { provider: 'stripe', mismatches: 2 }),
        nextRunAt: at(100),
        mismatches: { kept: [mismatch('pi_a', 700, 'stripe'), mismatch('pi_b', 500, 'stripe')], count: 2 },
      }),
    );
    assert.deepEqual(
      (await store.listMismatches(500)).map((m) => `${m.provider}:${m.paymentId}`),
      ['stripe:pi_a', 'razorpay:pay_new', 'stripe:pi_b'],
    );
    assert.deepEqual(
      (await store.listMismatches(2)).map((m) => m.paymentId),
      ['pi_a', 'pay_new'],
    );
    assert.deepEqual(
      (await store.reconcileStatuses()).map((s) => s.provider),
      ['razorpay', 'stripe'],
    );
    assert.equal((await status('stripe')).watermark, null);
  });

  it('keeps each claim as an attempt: numbered on across retries, closed by its outcome with the answer', async (_t, store) => {
    const item = newTransaction();
    await store.insertMany([item]);
    const id = item.transactionId;
    assert.deepEqual(await store.listAttempts(id, 100), []);
    const first = await store.claim(id, 'w', 30_000);
    assert.equal(first?.attempt, 1);
    const running = await store.listAttempts(id, 100);
    assert.equal(running.length, 1);
    assert.equal(running[0]!.outcome, null, 'a running attempt has no outcome yet');
    assert.equal(running[0]!.finishedAt, null);
    assert.equal(running[0]!.durationMs, null);
    const busy = { httpStatus: 503, responseExcerpt: 'busy ☃' };
    assert.ok(await store.retryLater(id, 'w', 'RetryableError: HTTP 503: busy', new Date(), busy));
    const second = await waitFor(() => store.claim(id, 'w', 30_000));
    assert.equal(second.attempt, 2);
    assert.equal(second.record.attempts, 2);
    assert.ok(await store.complete(id, 'w', { httpStatus: 200, responseExcerpt: 'ok' }));

    const attempts = await store.listAttempts(id, 100);
    assert.deepEqual(
      attempts.map((a) => [a.attempt, a.outcome, a.error, a.httpStatus, a.responseExcerpt]),
      [
        [1, 'retrying', 'RetryableError: HTTP 503: busy', 503, 'busy ☃'],
        [2, 'succeeded', null, 200, 'ok'],
      ],
    );
    for (const a of attempts) {
      assert.equal(a.transactionId, id);
      assert.ok(a.finishedAt && a.finishedAt.getTime() >= a.startedAt.getTime());
      assert.equal(a.durationMs, a.finishedAt.getTime() - a.startedAt.getTime());
    }
    assert.ok(attempts[1]!.startedAt.getTime() >= attempts[0]!.finishedAt!.getTime());
    const done = await store.get(id);
    assert.equal(done?.status, 'PROCESSED');
    assert.equal(done?.lastError, null, 'completion clears the last error; it stays in the attempts');
    // An outcome without a report keeps no answer; the latest attempts come first when limited.
    assert.deepEqual(
      (await store.listAttempts(id, 1)).map((a) => a.attempt),
      [2],
    );
    assert.deepEqual(await store.listAttempts(uniqueId(), 10), []);
  });

  it('a failure keeps its error and answer; a replay starts the budget afresh while the numbering goes on', async (_t, store) => {
    const item = newTransaction();
    await store.insertMany([item]);
    const id = item.transactionId;
    await store.claim(id, 'w', 30_000);
    const refusal = { httpStatus: 400, responseExcerpt: '{"error":"unknown destination_account"}' };
    assert.ok(await store.fail(id, 'w', 'PermanentError: HTTP 400', refusal));
    const replayed = await store.replay(id);
    assert.equal(replayed?.status, 'RECEIVED');
    assert.equal(replayed?.attempts, 0);
    const claim = await store.claim(id, 'w', 30_000);
    assert.equal(claim?.record.attempts, 1, 'the retry budget starts afresh');
    assert.equal(claim?.attempt, 2, 'the history goes on');
    assert.ok(await store.complete(id, 'w'));
    assert.ok(await store.replay(id));
    assert.equal((await store.claim(id, 'w', 30_000))?.attempt, 3);
    assert.ok(await store.fail(id, 'w', 'Error: no'));
    assert.deepEqual(
      (await store.listAttempts(id, 100)).map((a) => [a.attempt, a.outcome, a.httpStatus, a.responseExcerpt]),
      [
        [1, 'failed', 400, '{"error":"unknown destination_account"}'],
        [2, 'succeeded', null, null],
        [3, 'failed', null, null],
      ],
    );
  });

  it('closes the attempt of an expired lease as interrupted when the lease is reclaimed', async (_t, store) => {
    const item = newTransaction();
    await store.insertMany([item]);
    const id = item.transactionId;
    assert.equal((await store.claim(id, 'stalled', 60))?.attempt, 1);
    const reclaim = await waitFor(() => store.claim(id, 'rescuer', 30_000), {
      message: 'the lease to expire',
    });
    assert.equal(reclaim.reclaimed, true);
    assert.equal(reclaim.attempt, 2);
    // The stalled worker wakes up: its outcome is refused, and its attempt stays interrupted.
    assert.equal(await store.complete(id, 'stalled', { httpStatus: 200, responseExcerpt: 'late' }), false);
    const [interrupted, current] = await store.listAttempts(id, 100);
    assert.equal(interrupted?.outcome, 'interrupted');
    assert.equal(interrupted?.error, LEASE_EXPIRED_ERROR);
    assert.equal(interrupted?.httpStatus, null);
    assert.ok(interrupted?.finishedAt && interrupted.durationMs !== null);
    assert.equal(current?.attempt, 2);
    assert.equal(current?.outcome, null);
    assert.ok(await store.complete(id, 'rescuer'));
    assert.equal((await store.listAttempts(id, 100))[1]?.outcome, 'succeeded');
  });

  it('a release at shutdown closes the attempt as interrupted and gives the budget back', async (_t, store) => {
    const item = newTransaction();
    await store.insertMany([item]);
    const id = item.transactionId;
    await store.claim(id, 'w', 30_000);
    assert.ok(await store.release(id, 'w'));
    const next = await store.claim(id, 'w2', 30_000);
    assert.equal(next?.record.attempts, 1, 'the released attempt does not count against MAX_ATTEMPTS');
    assert.equal(next?.attempt, 2, 'but it is on record');
    const [released] = await store.listAttempts(id, 100);
    assert.equal(released?.outcome, 'interrupted');
    assert.equal(released?.error, RELEASED_AT_SHUTDOWN_ERROR);
  });

  it('replays PROCESSED and FAILED only, and keeps the PROCESSED count exact', async (_t, store) => {
    const [processed, failed, received, processing] = Array.from({ length: 4 }, () => newTransaction());
    await store.insertMany([processed!, failed!, received!, processing!]);
    await store.claim(processed!.transactionId, 'w', 60_000);
    await store.complete(processed!.transactionId, 'w');
    await failTransaction(store, failed!.transactionId);
    await store.claim(processing!.transactionId, 'w', 60_000);
    assert.deepEqual(await store.countByStatus(), { RECEIVED: 1, PROCESSING: 1, PROCESSED: 1, FAILED: 1 });

    assert.equal(await store.replay(received!.transactionId), null);
    assert.equal(await store.replay(processing!.transactionId), null);
    assert.equal(await store.replay(uniqueId()), null);
    const again = await store.replay(processed!.transactionId);
    assert.equal(again?.status, 'RECEIVED');
    assert.equal(again?.processedAt, null);
    assert.equal(again?.attempts, 0);
    assert.equal(await store.replay(processed!.transactionId), null, 'RECEIVED now: not again');
    assert.equal((await store.replay(failed!.transactionId))?.status, 'RECEIVED');
    assert.deepEqual(await store.countByStatus(), { RECEIVED: 3, PROCESSING: 1, PROCESSED: 0, FAILED: 0 });
    assert.deepEqual((await store.stats(new Date())).byStatus, await store.countByStatus());
    // Finishing again counts again, once.
    assert.ok(await store.claim(processed!.transactionId, 'w', 60_000));
    assert.ok(await store.complete(processed!.transactionId, 'w'));
    assert.equal((await store.countByStatus()).PROCESSED, 1);
    assert.equal((await store.stats(new Date())).byStatus.PROCESSED, 1);
  });

  it('counts and replays matches in bounded batches in the list order, each once, the PROCESSED count exact', async (_t, store) => {
    const base = Date.now() - 60_000;
    const stripe = Array.from({ length: 7 }, (_, i) =>
      newTransaction({ provider: 'stripe', receivedAt: new Date(base + i) }),
    );
    const plain = Array.from({ length: 2 }, (_, i) =>
      newTransaction({ receivedAt: new Date(base + 10 + i) }),
    );
    await store.insertMany([...stripe, ...plain]);
    // stripe 0-3 PROCESSED, 4-5 FAILED, 6 RECEIVED; plain 0 PROCESSED, 1 FAILED.
    for (const item of [...stripe.slice(0, 4), plain[0]!]) {
      await store.claim(item.transactionId, 'w', 60_000);
      await store.complete(item.transactionId, 'w');
    }
    for (const item of [stripe[4]!, stripe[5]!, plain[1]!]) await failTransaction(store, item.transactionId);

    const stripeAll = { kind: 'filter', filter: { provider: 'stripe' } } as const;
    assert.equal(await store.countReplayable(stripeAll), 6);
    assert.equal(
      await store.countReplayable({ kind: 'filter', filter: { provider: 'stripe', status: 'FAILED' } }),
      2,
    );
    assert.equal(await store.countReplayable({ kind: 'filter', filter: { status: 'PROCESSED' } }), 5);
    assert.equal(await store.countReplayable({ kind: 'filter', filter: {} }), 8);
    assert.equal(
      await store.countReplayable({
        kind: 'ids',
        ids: [plain[0]!.transactionId, stripe[6]!.transactionId, uniqueId()],
      }),
      1,
    );

    const finishedBefore = new Date();
    await nextMillisecond(finishedBefore);
    const first = await store.replayMatching(stripeAll, { finishedBefore, limit: 4 });
    // Newest first: stripe 6 (RECEIVED) is not a match, so 5, 4, 3, 2.
    assert.deepEqual(
      first.replayed.map((r) => r.transactionId),
      [5, 4, 3, 2].map((i) => stripe[i]!.transactionId),
    );
    assert.ok(first.replayed.every((r) => r.attempts === 0));
    assert.ok(first.next);
    // One replayed in the first batch finishes again before the next batch: it is not taken twice.
    assert.ok(await store.claim(stripe[3]!.transactionId, 'w', 60_000));
    assert.ok(await store.complete(stripe[3]!.transactionId, 'w'));
    const rest: string[] = [];
    let after = first.next;
    for (;;) {
      const batch = await store.replayMatching(stripeAll, { finishedBefore, after, limit: 1 });
      assert.ok(batch.replayed.length <= 1);
      rest.push(...batch.replayed.map((r) => r.transactionId));
      if (!batch.next) break;
      after = batch.next;
    }
    assert.deepEqual(
      rest,
      [1, 0].map((i) => stripe[i]!.transactionId),
    );
    assert.equal((await store.get(stripe[3]!.transactionId))?.status, 'PROCESSED');
    assert.equal((await store.get(plain[0]!.transactionId))?.status, 'PROCESSED', 'outside the filter');
    // stripe 3 and plain 0 stay PROCESSED; every other replayed one left it.
    assert.equal((await store.countByStatus()).PROCESSED, 2);
    assert.equal((await store.stats(new Date())).byStatus.PROCESSED, 2);

    const byIds = await store.replayMatching(
      { kind: 'ids', ids: [plain[1]!.transactionId, stripe[6]!.transactionId] },
      { finishedBefore: new Date(), limit: 500 },
    );
    assert.deepEqual(
      byIds.replayed.map((r) => r.transactionId),
      [plain[1]!.transactionId],
    );
    const none = await store.replayMatching(
      { kind: 'filter', filter: { status: 'FAILED' } },
      { finishedBefore: new Date(), limit: 500 },
    );
    assert.deepEqual(none, { replayed: [], next: null });
  });

  it('counts the timeline per minute: received by creation, processed and failed by when they got there', async (_t, store) => {
    const minute = 60_000;
    const now = Date.now();
    const from = Math.floor(now / minute) * minute - 9 * minute;
    const at = (ms: number) => newTransaction({ receivedAt: new Date(from + ms) });
    const before = newTransaction({ receivedAt: new Date(from - 1) });
    const rows = [at(0), at(5_000), at(minute + 1), at(3 * minute + 59_999), before];
    await store.insertMany(rows);
    const done = newTransaction();
    const failed = newTransaction();
    await store.insertMany([done, failed]);
    await store.claim(done.transactionId, 'w', 60_000);
    await store.complete(done.transactionId, 'w');
    await failTransaction(store, failed.transactionId);
    const to = Math.floor(Date.now() / minute) * minute + minute;

    const counts = await store.timeline({ from: new Date(from), to: new Date(to), bucketMs: minute });
    const bucketOf = (d: Date) => Math.floor((d.getTime() - from) / minute);
    const processedAt = (await store.get(done.transactionId))!.processedAt!;
    const failedAt = (await store.get(failed.transactionId))!.updatedAt;
    const expected = new Map<number, { received: number; processed: number; failed: number }>();
    const add = (bucket: number, kind: 'received' | 'processed' | 'failed') => {
      const entry = expected.get(bucket) ?? { received: 0, processed: 0, failed: 0 };
      entry[kind]++;
      expected.set(bucket, entry);
    };
    for (const ms of [0, 5_000, minute + 1, 3 * minute + 59_999]) add(Math.floor(ms / minute), 'received');
    add(bucketOf(done.receivedAt), 'received');
    add(bucketOf(failed.receivedAt), 'received');
    add(bucketOf(processedAt), 'processed');
    add(bucketOf(failedAt), 'failed');
    assert.deepEqual(
      counts,
      [...expected.entries()].sort(([a], [b]) => a - b).map(([bucket, c]) => ({ bucket, ...c })),
    );
    // A replayed transaction is no longer counted where it was processed.
    await store.replay(done.transactionId);
    const later = await store.timeline({ from: new Date(from), to: new Date(to), bucketMs: minute });
    assert.equal(
      later.reduce((n, c) => n + c.processed, 0),
      0,
    );
    assert.deepEqual(
      await store.timeline({ from: new Date(to), to: new Date(to + minute), bucketMs: minute }),
      [],
    );
  });

  it('tells when the longest-waiting due RECEIVED transaction became available, not counting backoff', async (_t, store) => {
    const now = () => new Date();
    assert.equal(await store.oldestDueReceivedAt(now()), null);
    const old = newTransaction({ receivedAt: new Date(Date.now() - 50_000) });
    const fresh = newTransaction({ receivedAt: new Date(Date.now() - 1_000) });
    await store.insertMany([old, fresh]);
    assert.equal((await store.oldestDueReceivedAt(now()))?.getTime(), old.receivedAt.getTime());
    // In backoff until later: not waiting for a worker.
    await store.claim(old.transactionId, 'w', 60_000);
    await store.retryLater(old.transactionId, 'w', 'Error: busy', new Date(Date.now() + 60_000));
    assert.equal((await store.oldestDueReceivedAt(now()))?.getTime(), fresh.receivedAt.getTime());
    await store.claim(fresh.transactionId, 'w', 60_000);
    assert.equal(await store.oldestDueReceivedAt(now()), null);
    assert.equal(
      (await store.oldestDueReceivedAt(new Date(Date.now() + 120_000)))?.getTime(),
      (await store.get(old.transactionId))?.availableAt.getTime(),
    );
  });

  it('answers ping, and tolerates ready and close twice', async (_t, store) => {
    await store.ready();
    await store.ping();
    await store.close();
    await store.close();
  });

  retentionContract(name, makeStore, options);
}

/** Ids of `items` in the list's order. */
function sortedIds(items: readonly NewTransaction[]): string[] {
  return items
    .map((i) => ({ createdAt: i.receivedAt, transactionId: i.transactionId }))
    .sort(compareListOrder)
    .map((p) => p.transactionId);
}

/** Every page of `filter` with `limit` rows, following each page's last row. */
async function pagesOf(
  store: TransactionStore,
  filter: TransactionFilter,
  limit: number,
): Promise<string[][]> {
  const pages: string[][] = [];
  let after: KeysetPosition | undefined;
  for (;;) {
    const page = await store.list({ filter, after, limit });
    if (page.length === 0) return pages;
    pages.push(page.map((r) => r.transactionId));
    after = page.at(-1)!;
  }
}

/** Claims and fails `transactionId`, as a worker does when its attempts run out. */
async function failTransaction(store: TransactionStore, transactionId: string): Promise<void> {
  assert.ok(await store.claim(transactionId, 'w', 60_000), `claim ${transactionId}`);
  assert.ok(await store.fail(transactionId, 'w', 'Error: declined'), `fail ${transactionId}`);
}

/** Resolves with the time once the clock has passed `instant`, so later writes are stamped after it. */
function nextMillisecond(instant: Date): Promise<Date> {
  return waitFor(() => (Date.now() > instant.getTime() ? new Date() : null), { intervalMs: 1 });
}
