import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type { TransactionStore } from '../../src/store/transaction-store.js';
import { newTransaction, uniqueId } from '../helpers/sample-transaction.js';
import { waitFor } from '../helpers/wait-for.js';

/** Makes a ready, empty, isolated store for one test, and arranges its cleanup with `t.after`. */
export type StoreFactory = (t: TestContext) => Promise<TransactionStore>;

/**
 * The behaviour every TransactionStore adapter must have. Each adapter's test file calls this with
 * its own factory; the suite itself never changes per adapter.
 */
export function storeContract(
  name: string,
  makeStore: StoreFactory,
  options: { skip?: string | false } = {},
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

  it('answers ping, and tolerates ready and close twice', async (_t, store) => {
    await store.ready();
    await store.ping();
    await store.close();
    await store.close();
  });
}
