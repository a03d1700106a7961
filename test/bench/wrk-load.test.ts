import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LoadResult } from '../../bench/load-client.js';
import {
  BENCH_RAZORPAY_SECRET,
  RAZORPAY_PATH,
  razorpayDeliveryPool,
} from '../../bench/razorpay-deliveries.js';
import { runWrk } from '../../bench/wrk-load.js';
import type { TransactionStore } from '../../src/store/transaction-store.js';
import { getTransaction } from '../helpers/http-client.js';
import { uniqueId, webhookBody } from '../helpers/sample-transaction.js';
import { skipUnlessInstalled } from '../helpers/services.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { storedCount, WEBHOOK_PATH } from '../http/raw-http.js';

const body = (id: string) => JSON.stringify(webhookBody({ transaction_id: id }));

const CONNECTIONS = 2;

/**
 * Every answered request made one record: wrk stops counting at the deadline while a request per
 * connection may still be on its way, so up to one more per connection may be stored.
 */
async function assertEveryAnswerStored(store: TransactionStore, result: LoadResult): Promise<void> {
  const stored = await storedCount(store);
  assert.ok(
    stored >= result.totalRequests && stored <= result.totalRequests + CONNECTIONS,
    `${stored} stored, ${result.totalRequests} answered`,
  );
}

describe('bench: closed-loop load from wrk', { skip: skipUnlessInstalled('wrk') }, () => {
  test('fresh ids: every request a new transaction, every one counted', async (t) => {
    const runtime = await startTestRuntime(t);
    const result = await runWrk(
      {
        url: runtime.url,
        connections: CONNECTIONS,
        durationSeconds: 1,
        ids: { kind: 'fresh', prefix: uniqueId('w') },
      },
      WEBHOOK_PATH,
      body,
    );
    assert.ok(result.totalRequests > 10, `only ${result.totalRequests} requests`);
    assert.equal(result.errors, 0);
    assert.equal(result.non2xx, 0);
    assert.ok(result.latencyP50 > 0 && result.latencyP50 <= result.latencyP99);
    assert.ok(result.latencyP99 <= result.latencyMax);
    await assertEveryAnswerStored(runtime.store, result);
  });

  test('cycled ids: the pool and nothing else is stored', async (t) => {
    const runtime = await startTestRuntime(t);
    const prefix = uniqueId('c');
    const result = await runWrk(
      {
        url: runtime.url,
        connections: CONNECTIONS,
        durationSeconds: 1,
        ids: { kind: 'cycle', prefix, pool: 3 },
      },
      WEBHOOK_PATH,
      body,
    );
    assert.ok(result.totalRequests > 10, `only ${result.totalRequests} requests`);
    assert.equal(result.non2xx, 0);
    for (const n of [0, 1, 2])
      assert.equal((await getTransaction(runtime.url, `${prefix}-${n}`)).status, 200);
    assert.equal((await getTransaction(runtime.url, `${prefix}-3`)).status, 404);
    assert.equal(await storedCount(runtime.store), 3);
  });

  test('Razorpay-signed deliveries: every one verified and stored as its own event', async (t) => {
    const runtime = await startTestRuntime(t, { RAZORPAY_WEBHOOK_SECRETS: BENCH_RAZORPAY_SECRET });
    const result = await runWrk(
      {
        url: runtime.url,
        connections: CONNECTIONS,
        durationSeconds: 1,
        ids: { kind: 'fresh', prefix: uniqueId('r') },
      },
      RAZORPAY_PATH,
      {
        pool: razorpayDeliveryPool(20, BENCH_RAZORPAY_SECRET).map((d) => ({
          body: d.body,
          headers: { 'X-Razorpay-Signature': d.signature },
        })),
        idHeader: 'X-Razorpay-Event-Id',
      },
    );
    assert.ok(result.totalRequests > 10, `only ${result.totalRequests} requests`);
    assert.equal(result.non2xx, 0, 'every signature verified');
    await assertEveryAnswerStored(runtime.store, result);
  });
});
