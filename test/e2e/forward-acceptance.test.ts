import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { disposableDatabase } from '../helpers/disposable-database.js';
import { type Delivery, forwardSecret, startForwardReceiver } from '../helpers/forward-receiver.js';
import { getTransaction, postWebhook } from '../helpers/http-client.js';
import { uniqueId, webhookBody } from '../helpers/sample-transaction.js';
import { skipUnlessReachable, TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/services.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * The forwarding acceptance scenario, through the whole service: 40 ordinary transactions, 5 whose
 * first answer is 503 with Retry-After: 1, 5 answered 400, and 2 whose first answer takes 5 s,
 * with FORWARD_TIMEOUT_SECONDS=2 and RETRY_BASE_SECONDS=1. Every request is verified at the
 * receiver by the Standard Webhooks reference library.
 */
async function acceptance(t: import('node:test').TestContext, storeEnv: Record<string, string>) {
  const secret = forwardSecret();
  const kinds = { ok: 40, busy: 5, bad: 5, slow: 2 } as const;
  const kindOf = (d: Delivery) => d.transactionId.split('_')[0] as keyof typeof kinds;
  const receiver = await startForwardReceiver(secret, {
    t,
    respond: (d) => {
      const kind = kindOf(d);
      if (kind === 'busy' && d.attempt === 1) {
        return { status: 503, headers: { 'retry-after': '1' }, body: 'busy' };
      }
      if (kind === 'bad') return { status: 400, body: '{"error":"unknown destination_account"}' };
      if (kind === 'slow' && d.attempt === 1) return { status: 200, delayMs: 5000 };
      return { status: 200 };
    },
  });
  const runtime = await startTestRuntime(t, {
    ...storeEnv,
    FORWARD_URL: receiver.url,
    FORWARD_SECRET: secret,
    FORWARD_TIMEOUT_SECONDS: '2',
    RETRY_BASE_SECONDS: '1',
  });
  const ids = Object.entries(kinds).flatMap(([kind, n]) => Array.from({ length: n }, () => uniqueId(kind)));
  const bodies = new Map(ids.map((id) => [id, webhookBody({ transaction_id: id })]));
  const answers = await Promise.all(ids.map((id) => postWebhook(runtime.url, bodies.get(id))));
  assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([202]));

  const views = new Map<string, Record<string, unknown>>();
  for (const id of ids) {
    views.set(
      id,
      await waitFor(
        async () => {
          const v = (await getTransaction(runtime.url, id)).body as Record<string, unknown>;
          return v.status === 'PROCESSED' || v.status === 'FAILED' ? v : null;
        },
        { timeoutMs: 60_000, message: `${id} to end` },
      ),
    );
  }

  const errorsOf = async (id: string) => (await runtime.store.listAttempts(id, 10)).map((a) => a.error);
  assert.equal(receiver.deliveries.filter((d) => !d.verified).length, 0, 'every request verifies');
  for (const d of receiver.deliveries) {
    // The worker holds the transaction while it delivers; `attempts` counts this attempt.
    assert.equal(d.body?.status, 'PROCESSING');
    assert.equal(d.body?.attempts, d.attempt);
    assert.deepEqual(d.body?.payload, bodies.get(d.transactionId));
  }
  for (const id of ids) {
    const kind = id.split('_')[0];
    const view = views.get(id)!;
    const got = receiver.of(id);
    const label = `${id}: ${got.length} deliveries, ${view.status}, ${view.last_error}`;
    if (kind === 'ok') {
      assert.equal(got.length, 1, label);
      assert.equal(view.status, 'PROCESSED', label);
    } else if (kind === 'busy') {
      assert.equal(got.length, 2, label);
      assert.equal(got[1]!.webhookId, got[0]!.webhookId, label);
      assert.ok(
        got[1]!.receivedAt - got[0]!.receivedAt >= 1000,
        `${label}; apart ${got[1]!.receivedAt - got[0]!.receivedAt} ms`,
      );
      assert.equal(view.status, 'PROCESSED', label);
      assert.equal(view.last_error, null, 'PROCESSED keeps no last error');
      assert.deepEqual(await errorsOf(id), ['RetryableError: HTTP 503: busy', null]);
    } else if (kind === 'bad') {
      assert.equal(got.length, 1, label);
      assert.equal(view.status, 'FAILED', label);
      assert.equal(view.last_error, 'PermanentError: HTTP 400: {"error":"unknown destination_account"}');
    } else {
      assert.equal(got.length, 2, label);
      assert.equal(got[1]!.webhookId, got[0]!.webhookId, label);
      assert.equal(view.status, 'PROCESSED', label);
      assert.equal(view.last_error, null, 'PROCESSED keeps no last error');
      assert.deepEqual(await errorsOf(id), ['RetryableError: no answer within 2000 ms', null]);
    }
  }
  const gaps = (kind: string) =>
    ids
      .filter((id) => id.startsWith(`${kind}_`))
      .map((id) => receiver.of(id))
      .map(([a, b]) => (b && a ? b.receivedAt - a.receivedAt : Number.NaN));
  t.diagnostic(
    `deliveries ${receiver.deliveries.length}, all verified; 503-first retried after ${gaps('busy').join(', ')} ms; ` +
      `slow-first retried after ${gaps('slow').join(', ')} ms`,
  );
  return receiver.deliveries.length;
}

test('acceptance, embedded (SQLite, in-process queue)', { timeout: 120_000 }, async (t) => {
  assert.equal(await acceptance(t, {}), 40 + 5 * 2 + 5 + 2 * 2);
});

const skip =
  (await skipUnlessReachable('postgres', TEST_DATABASE_URL)) ||
  (await skipUnlessReachable('redis', TEST_REDIS_URL));

test('acceptance, PostgreSQL + BullMQ on Redis', { skip, timeout: 120_000 }, async (t) => {
  const env = {
    DATABASE_URL: await disposableDatabase(t, TEST_DATABASE_URL, 'forward'),
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: `{forward_${randomBytes(4).toString('hex')}}`,
  };
  assert.equal(await acceptance(t, env), 40 + 5 * 2 + 5 + 2 * 2);
});
