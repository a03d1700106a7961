import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type { TransactionStatus } from '../../src/domain/transaction.js';
import type { TransactionStore } from '../../src/store/transaction-store.js';
import { newTransaction, uniqueId } from '../helpers/sample-transaction.js';
import { waitFor } from '../helpers/wait-for.js';
import type { StoreFactory } from './store-contract.js';

/**
 * Opens another store on the same data as `store`, as another worker process would (its own
 * connections), and arranges its cleanup with `t.after`.
 */
export type TwinFactory = (t: TestContext, store: TransactionStore) => Promise<TransactionStore>;

/** Far enough ahead that every transaction finished so far counts as expired. */
const FUTURE = () => new Date(Date.now() + 3_600_000);

/**
 * Retention's part of the store contract (called by `storeContract`): what is deleted and erased,
 * what never is, the counts kept beside the rows, and several workers or racing writers at once.
 */
export function retentionContract(
  name: string,
  makeStore: StoreFactory,
  options: { skip?: string | false; openTwin: TwinFactory },
): void {
  const it = (title: string, fn: (t: TestContext, store: TransactionStore) => Promise<void>) =>
    test(`${name} store: ${title}`, { skip: options.skip || false }, async (t) => fn(t, await makeStore(t)));

  it('retention deletes finished transactions older than the cutoff, never RECEIVED or PROCESSING however old', async (_t, store) => {
    const longAgo = new Date(Date.now() - 400 * 86_400_000);
    const [oldReceived, oldProcessing, processed, failed, late] = Array.from({ length: 5 }, () =>
      newTransaction({ receivedAt: longAgo }),
    );
    await store.insertMany([oldReceived!, oldProcessing!, processed!, failed!, late!]);
    // PROCESSING with a lease that expired long ago: still acknowledged work not done.
    assert.ok(await store.claim(oldProcessing!.transactionId, 'stalled', 1));
    await finish(store, processed!.transactionId, 'PROCESSED');
    await finish(store, failed!.transactionId, 'FAILED');
    const cutoff = await nextMillisecond(new Date());
    // Finished after the cutoff: its last change is younger, whatever its creation time.
    await finish(store, late!.transactionId, 'PROCESSED');

    assert.equal(await store.deleteFinished(cutoff, 1000), 2);
    assert.equal(await store.get(processed!.transactionId), null);
    assert.equal(await store.get(failed!.transactionId), null);
    assert.equal((await store.get(late!.transactionId))?.status, 'PROCESSED');
    assert.equal((await store.get(oldReceived!.transactionId))?.status, 'RECEIVED');
    assert.equal((await store.get(oldProcessing!.transactionId))?.status, 'PROCESSING');

    // However far in the future the cutoff, only finished rows go.
    assert.equal(await store.deleteFinished(FUTURE(), 1000), 1);
    assert.equal((await store.get(oldReceived!.transactionId))?.status, 'RECEIVED');
    assert.equal((await store.get(oldProcessing!.transactionId))?.status, 'PROCESSING');
    assert.equal(await store.deleteFinished(FUTURE(), 1000), 0);
    assert.deepEqual(await store.countByStatus(), { RECEIVED: 1, PROCESSING: 1, PROCESSED: 0, FAILED: 0 });
    // The lease that expired is still there to be reclaimed, and the row to be completed.
    const reclaim = await store.claim(oldProcessing!.transactionId, 'rescuer', 60_000);
    assert.equal(reclaim?.reclaimed, true);
    assert.ok(await store.complete(oldProcessing!.transactionId, 'rescuer'));
  });

  it('retention deletes in bounded batches, oldest first, and keeps the counts and stats exact', async (_t, store) => {
    const finished = Array.from({ length: 25 }, () => newTransaction({ provider: 'stripe' }));
    const open = Array.from({ length: 4 }, () => newTransaction({ provider: 'stripe' }));
    await store.insertMany([...finished, ...open]);
    // Finished one after the other, each a millisecond after the last: their order is their age.
    for (const [i, item] of finished.entries()) {
      await nextMillisecond(new Date());
      await finish(store, item.transactionId, i % 5 === 0 ? 'FAILED' : 'PROCESSED');
    }
    assert.ok(await store.claim(open[0]!.transactionId, 'w', 60_000));
    const expected = { RECEIVED: 3, PROCESSING: 1, PROCESSED: 20, FAILED: 5 };
    assert.deepEqual(await store.countByStatus(), expected);

    const first = await store.deleteFinished(FUTURE(), 10);
    assert.equal(first, 10);
    const gone = await Promise.all(finished.map(async (i) => (await store.get(i.transactionId)) === null));
    assert.deepEqual(
      gone,
      finished.map((_, i) => i < 10),
      'the ten oldest went first',
    );
    // Rows 0 and 5 were FAILED.
    expected.PROCESSED -= 8;
    expected.FAILED -= 2;
    assert.deepEqual(await store.countByStatus(), expected);
    assert.deepEqual((await store.stats(new Date(0))).byStatus, expected);

    assert.equal(await store.deleteFinished(FUTURE(), 10), 10);
    assert.equal(await store.deleteFinished(FUTURE(), 10), 5);
    assert.equal(await store.deleteFinished(FUTURE(), 10), 0);
    const stats = await store.stats(new Date(0));
    assert.deepEqual(stats.byStatus, { RECEIVED: 3, PROCESSING: 1, PROCESSED: 0, FAILED: 0 });
    assert.equal(stats.recentFailures, 0);
    assert.deepEqual(stats.byProvider.stripe, { RECEIVED: 3, PROCESSING: 1, FAILED: 0 });
    assert.deepEqual(
      (await store.list({ filter: {}, limit: 100 })).map((r) => r.transactionId).sort(),
      open.map((i) => i.transactionId).sort(),
    );
    assert.deepEqual(await store.list({ filter: { status: 'PROCESSED' }, limit: 100 }), []);
    // Completions after retention are counted from where retention left the count.
    assert.ok(await store.complete(open[0]!.transactionId, 'w'));
    assert.equal((await store.countByStatus()).PROCESSED, 1);
  });

  it("retention erases finished transactions' payloads only, keeping their records", async (_t, store) => {
    const paymentId = uniqueId('pay');
    const processed = newTransaction({
      provider: 'razorpay',
      eventType: 'payment.captured',
      paymentId,
      paymentStatus: 'captured',
      amount: 50_000,
      currency: 'INR',
      deliveryId: 'evt-header-1',
    });
    const failed = newTransaction();
    const received = newTransaction({ receivedAt: new Date(Date.now() - 86_400_000) });
    const processing = newTransaction();
    await store.insertMany([processed, failed, received, processing]);
    await finish(store, processed.transactionId, 'PROCESSED');
    await finish(store, failed.transactionId, 'FAILED');
    assert.ok(await store.claim(processing.transactionId, 'w', 60_000));
    const before = await store.get(processed.transactionId);

    assert.equal(await store.erasePayloads(FUTURE(), 1000), 2);
    assert.equal(await store.erasePayloads(FUTURE(), 1000), 0, 'an erased payload is not erased again');
    const after = await store.get(processed.transactionId);
    assert.equal(after?.payload, null);
    assert.deepEqual({ ...after, payload: before?.payload }, before, 'every other field is kept');
    assert.equal((await store.get(failed.transactionId))?.payload, null);
    assert.equal((await store.get(received.transactionId))?.payload, received.payload);
    assert.equal((await store.get(processing.transactionId))?.payload, processing.payload);
    assert.equal((await store.findByPayment(paymentId, 10))[0]?.payload, null);
    assert.equal((await store.list({ filter: { paymentId }, limit: 10 }))[0]?.paymentStatus, 'captured');
    assert.deepEqual(await store.countByStatus(), { RECEIVED: 1, PROCESSING: 1, PROCESSED: 1, FAILED: 1 });
    // A repeat delivery of an erased transaction is still a duplicate of it.
    const [repeat] = await store.insertMany([processed]);
    assert.equal(repeat?.inserted, false);
    assert.equal(repeat?.record.payload, null);
    // Erased records are deleted like any other once their time comes.
    assert.equal(await store.deleteFinished(FUTURE(), 1000), 2);
  });

  it('erases one payload on request: finished ones only, once and for all', async (_t, store) => {
    const [processed, failed, received, processing] = Array.from({ length: 4 }, () => newTransaction());
    await store.insertMany([processed!, failed!, received!, processing!]);
    await finish(store, processed!.transactionId, 'PROCESSED');
    await finish(store, failed!.transactionId, 'FAILED');
    assert.ok(await store.claim(processing!.transactionId, 'w', 60_000));

    assert.equal(await store.erasePayload(received!.transactionId), 'unfinished');
    assert.equal(await store.erasePayload(processing!.transactionId), 'unfinished');
    assert.equal(await store.erasePayload(uniqueId()), 'not-found');
    assert.equal((await store.get(received!.transactionId))?.payload, received!.payload);
    assert.equal((await store.get(processing!.transactionId))?.payload, processing!.payload);

    assert.equal(await store.erasePayload(processed!.transactionId), 'erased');
    assert.equal(await store.erasePayload(processed!.transactionId), 'erased', 'erasing twice is harmless');
    assert.equal(await store.erasePayload(failed!.transactionId), 'erased');
    assert.equal((await store.get(processed!.transactionId))?.status, 'PROCESSED');
    assert.equal((await store.get(processed!.transactionId))?.payload, null);
    assert.equal(await store.erasePayloads(FUTURE(), 1000), 0, 'nothing left to erase');

    // A FAILED transaction whose payload was erased can still be requeued and processed: its
    // handler is told the payload is gone.
    const requeued = await store.requeue(failed!.transactionId);
    assert.equal(requeued?.status, 'RECEIVED');
    assert.equal(requeued?.payload, null);
    const claim = await store.claim(failed!.transactionId, 'w', 60_000);
    assert.equal(claim?.record.payload, null);
    assert.ok(await store.complete(failed!.transactionId, 'w'));
    assert.equal(await store.erasePayloads(FUTURE(), 1000), 0);
  });

  it('a delivery that arrives again after its transaction was deleted is stored anew', async (_t, store) => {
    const item = newTransaction();
    await store.insertMany([item]);
    await finish(store, item.transactionId, 'PROCESSED');
    assert.equal(await store.deleteFinished(FUTURE(), 1000), 1);
    const [again] = await store.insertMany([item]);
    assert.equal(again?.inserted, true);
    assert.equal(again?.record.status, 'RECEIVED');
    assert.deepEqual(await store.countByStatus(), { RECEIVED: 1, PROCESSING: 0, PROCESSED: 0, FAILED: 0 });
  });

  it('claims, completions, requeues and repeat deliveries racing retention lose nothing unfinished', async (_t, store) => {
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      const toComplete = Array.from({ length: 30 }, () => newTransaction());
      const toRequeue = Array.from({ length: 20 }, () => newTransaction());
      const waiting = Array.from({ length: 20 }, () => newTransaction());
      const repeated = Array.from({ length: 10 }, () => newTransaction());
      await store.insertMany([...toComplete, ...toRequeue, ...waiting, ...repeated]);
      for (const item of toComplete) assert.ok(await store.claim(item.transactionId, 'w', 60_000));
      for (const item of toRequeue) await finish(store, item.transactionId, 'FAILED');
      for (const item of repeated) await finish(store, item.transactionId, 'PROCESSED');

      // Everything at once: retention in small batches (every finished row is expired), the
      // completions, requeues of the FAILED rows, claims of the waiting ones, and repeats of
      // deliveries whose transaction is being deleted.
      const completed: boolean[] = [];
      const requeued: (string | null)[] = [];
      const claimed: boolean[] = [];
      let deleted = 0;
      const retention = (async () => {
        for (let n = -1; n !== 0; ) {
          n = await store.deleteFinished(FUTURE(), 7);
          deleted += n;
        }
      })();
      await Promise.all([
        retention,
        ...toComplete.map(async (i) => completed.push(await store.complete(i.transactionId, 'w'))),
        ...toRequeue.map(async (i) =>
          requeued.push((await store.requeue(i.transactionId))?.transactionId ?? null),
        ),
        ...waiting.map(async (i) => claimed.push((await store.claim(i.transactionId, 'v', 60_000)) !== null)),
        ...repeated.map(async (i) => {
          const [outcome] = await store.insertMany([i]);
          assert.ok(outcome, 'a repeat delivery always gets an answer');
          assert.equal(outcome.record.transactionId, i.transactionId);
        }),
      ]);
      assert.ok(completed.every(Boolean), 'every completion of a held lease is recorded');
      assert.ok(claimed.every(Boolean), 'every waiting transaction is claimed');
      for (const item of waiting) {
        assert.equal((await store.get(item.transactionId))?.status, 'PROCESSING', 'claimed rows stay');
      }
      // A requeue either came first (the row is RECEIVED again and stays) or found it deleted.
      for (const [i, item] of toRequeue.entries()) {
        const row = await store.get(item.transactionId);
        const wasRequeued = requeued.includes(item.transactionId);
        assert.equal(row?.status, wasRequeued ? 'RECEIVED' : undefined, `requeue ${i}`);
      }
      // Tidy up for the next round's counts: finish what is left and delete everything.
      for (const item of [...waiting, ...toRequeue]) {
        if ((await store.get(item.transactionId))?.status === 'RECEIVED') {
          assert.ok(await store.claim(item.transactionId, 'v', 60_000));
        }
        if ((await store.get(item.transactionId))?.status === 'PROCESSING') {
          assert.ok(await store.complete(item.transactionId, 'v'));
        }
      }
      // Repeats stored anew (their original was deleted first) are RECEIVED: finish them too.
      for (const item of repeated) {
        if ((await store.get(item.transactionId))?.status === 'RECEIVED') {
          await finish(store, item.transactionId, 'PROCESSED');
        }
      }
      while ((await store.deleteFinished(FUTURE(), 1000)) > 0);
      assert.deepEqual(
        await store.countByStatus(),
        { RECEIVED: 0, PROCESSING: 0, PROCESSED: 0, FAILED: 0 },
        `round ${round}: every count back to zero, none drifted`,
      );
      assert.ok(deleted > 0);
    }
  });

  it('several workers running retention at once delete each row once and keep the counts exact', async (t, store) => {
    const twins = [store, await options.openTwin(t, store), await options.openTwin(t, store)];
    const items = Array.from({ length: 300 }, () => newTransaction({ provider: 'razorpay' }));
    const open = Array.from({ length: 30 }, () => newTransaction({ provider: 'razorpay' }));
    await store.insertMany([...items, ...open]);
    for (const [i, item] of items.entries()) {
      await finish(twins[i % 3]!, item.transactionId, i % 10 === 0 ? 'FAILED' : 'PROCESSED');
    }
    for (const item of open.slice(0, 10)) assert.ok(await store.claim(item.transactionId, 'w', 60_000));
    // Completions go on in one worker while all three delete.
    const counts = await Promise.all([
      ...twins.map(async (twin) => {
        let total = 0;
        for (let n = -1; n !== 0; ) {
          n = await twin.deleteFinished(FUTURE(), 20);
          total += n;
        }
        return total;
      }),
      (async () => {
        for (const item of open.slice(0, 10)) assert.ok(await twins[1]!.complete(item.transactionId, 'w'));
        return 0;
      })(),
    ]);
    // The ten completed meanwhile may or may not have been taken by a batch: delete what is left.
    let rest = 0;
    for (let n = -1; n !== 0; ) {
      n = await store.deleteFinished(FUTURE(), 1000);
      rest += n;
    }
    assert.equal(
      counts.reduce((a, b) => a + b, 0) + rest,
      310,
      'every finished row deleted exactly once across the workers',
    );
    for (const twin of twins) {
      assert.deepEqual(await twin.countByStatus(), { RECEIVED: 20, PROCESSING: 0, PROCESSED: 0, FAILED: 0 });
    }
  });

  it('tells its size where the engine can', async (_t, store) => {
    if (!store.storageSize) return;
    await store.insertMany(Array.from({ length: 50 }, () => newTransaction()));
    const size = await store.storageSize();
    assert.ok(Number.isInteger(size.bytes) && size.bytes > 0, 'a size in bytes');
    assert.ok(
      size.reusableBytes === null || (Number.isInteger(size.reusableBytes) && size.reusableBytes >= 0),
    );
  });
}

/** Claims `transactionId` and ends it as `status` (PROCESSED or FAILED), as a worker does. */
export async function finish(
  store: TransactionStore,
  transactionId: string,
  status: Extract<TransactionStatus, 'PROCESSED' | 'FAILED'>,
): Promise<void> {
  assert.ok(await store.claim(transactionId, 'w', 60_000), `claim ${transactionId}`);
  const ended =
    status === 'PROCESSED'
      ? await store.complete(transactionId, 'w')
      : await store.fail(transactionId, 'w', 'Error: declined');
  assert.ok(ended, `${status} ${transactionId}`);
}

/** Resolves with the time once the clock has passed `instant`, so later writes are stamped after it. */
function nextMillisecond(instant: Date): Promise<Date> {
  return waitFor(() => (Date.now() > instant.getTime() ? new Date() : null), { intervalMs: 1 });
}
