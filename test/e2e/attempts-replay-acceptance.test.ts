import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type TestContext, test } from 'node:test';
import { disposableDatabase } from '../helpers/disposable-database.js';
import {
  type Delivery,
  forwardSecret,
  type Reply,
  startForwardReceiver,
} from '../helpers/forward-receiver.js';
import { gate } from '../helpers/gate.js';
import { postWebhook, request } from '../helpers/http-client.js';
import { uniqueId, webhookBody } from '../helpers/sample-transaction.js';
import { skipUnlessReachable, TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/services.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

const KEY = 'k_attempts_5e0c2b7a91d4';
const auth = { authorization: `Bearer ${KEY}` };
const REFUSAL = '{"error":"unknown destination_account","hint":"créez-le d\'abord"}';

interface Attempt {
  attempt: number;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  outcome: string | null;
  error: string | null;
  http_status: number | null;
  response_excerpt: string | null;
}

interface Bucket {
  start: string;
  received: number;
  processed: number;
  failed: number;
}

/**
 * The acceptance scenario through the whole service, forwarding to a real receiver that verifies
 * every delivery with the Standard Webhooks reference library: one transaction answered 503 with
 * Retry-After: 1 then 200, three answered 400 with a body, one answered 200, and one held by the
 * receiver (PROCESSING) until the test lets it go.
 */
async function acceptance(t: TestContext, storeEnv: Record<string, string>) {
  const secret = forwardSecret();
  const held = gate();
  t.after(held.open);
  const kindOf = (d: Delivery) => d.transactionId.split('_')[0];
  const receiver = await startForwardReceiver(secret, {
    t,
    respond: async (d): Promise<Reply> => {
      switch (kindOf(d)) {
        case 'busy':
          return d.attempt === 1
            ? { status: 503, headers: { 'retry-after': '1' }, body: 'busy' }
            : { status: 200 };
        case 'bad':
          return { status: 400, headers: { 'content-type': 'application/json' }, body: REFUSAL };
        case 'held':
          await held.opened;
          return { status: 200, body: 'ok' };
        default:
          return { status: 200, body: 'ok' };
      }
    },
  });
  const rt = await startTestRuntime(t, {
    ...storeEnv,
    API_KEYS: KEY,
    FORWARD_URL: receiver.url,
    FORWARD_SECRET: secret,
    RETRY_BASE_SECONDS: '1',
  });
  const api = (method: string, path: string, body?: unknown) =>
    request(rt.url, method, path, { headers: auth, body });
  const view = async (id: string) =>
    (await api('GET', `/v1/transactions/${id}`)).body as Record<string, unknown>;
  const attemptsOf = async (id: string) => {
    const res = await api('GET', `/v1/transactions/${id}/attempts`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body as { items: Attempt[] }).items;
  };
  const ended = (id: string) =>
    waitFor(
      async () => {
        const v = await view(id);
        return v.status === 'PROCESSED' || v.status === 'FAILED' ? v : null;
      },
      { timeoutMs: 60_000, message: `${id} to end` },
    );

  const busy = uniqueId('busy');
  const bad = [uniqueId('bad'), uniqueId('bad'), uniqueId('bad')];
  const ok = uniqueId('ok');
  const heldId = uniqueId('held');
  const sent = [busy, ...bad, ok, heldId];
  for (const id of sent)
    assert.equal((await postWebhook(rt.url, webhookBody({ transaction_id: id }))).status, 202);
  for (const id of [busy, ...bad, ok]) await ended(id);

  // Each attempt on record, with the receiver's answer.
  const describe = (attempts: Attempt[]) =>
    attempts.map((a) => [a.attempt, a.outcome, a.http_status, a.response_excerpt]);
  const busyAttempts = await attemptsOf(busy);
  assert.deepEqual(describe(busyAttempts), [
    [1, 'retrying', 503, 'busy'],
    [2, 'succeeded', 200, ''],
  ]);
  assert.equal(busyAttempts[0]!.error, 'RetryableError: HTTP 503: busy');
  assert.equal(busyAttempts[1]!.error, null);
  const badAttempts = await attemptsOf(bad[0]!);
  assert.deepEqual(describe(badAttempts), [[1, 'failed', 400, REFUSAL]]);
  assert.match(String(badAttempts[0]!.error), /^PermanentError: HTTP 400: /);
  assert.deepEqual(describe(await attemptsOf(ok)), [[1, 'succeeded', 200, 'ok']]);
  for (const a of [...busyAttempts, ...badAttempts]) {
    const started = Date.parse(a.started_at);
    const finished = Date.parse(String(a.finished_at));
    assert.ok(Number.isFinite(started) && Number.isFinite(finished), JSON.stringify(a));
    assert.equal(a.duration_ms, finished - started);
  }
  // The retry came after the Retry-After, and began after the first attempt ended.
  assert.ok(Date.parse(busyAttempts[1]!.started_at) >= Date.parse(String(busyAttempts[0]!.finished_at)));
  assert.ok(Date.parse(busyAttempts[1]!.started_at) - Date.parse(busyAttempts[0]!.started_at) >= 1000);
  // PROCESSED keeps no last error: it lives in the attempts.
  const busyView = await view(busy);
  assert.equal(busyView.status, 'PROCESSED');
  assert.equal(busyView.last_error, null);

  // Replaying the third transaction delivers it again, with the same webhook-id.
  const replayed = await api('POST', `/v1/transactions/${ok}/replay`);
  assert.equal(replayed.status, 202, JSON.stringify(replayed.body));
  assert.deepEqual(replayed.body, { transaction_id: ok, status: 'RECEIVED' });
  await waitFor(async () => receiver.of(ok).length === 2 && (await view(ok)).status === 'PROCESSED', {
    message: 'the replay delivered and PROCESSED',
  });
  const [first, again] = receiver.of(ok);
  assert.equal(again!.webhookId, first!.webhookId);
  assert.ok(again!.verified);
  assert.equal((await view(ok)).attempts, 1, 'its retry budget started afresh');
  assert.deepEqual(describe(await attemptsOf(ok)), [
    [1, 'succeeded', 200, 'ok'],
    [2, 'succeeded', 200, 'ok'],
  ]);

  // A transaction on its way cannot be replayed.
  await waitFor(async () => receiver.of(heldId).length === 1, { message: 'the held delivery to arrive' });
  assert.equal((await view(heldId)).status, 'PROCESSING');
  const conflict = await api('POST', `/v1/transactions/${heldId}/replay`);
  assert.equal(conflict.status, 409);
  assert.match(String((conflict.body as { detail: string }).detail), /PROCESSED or FAILED.*PROCESSING/);
  const running = await attemptsOf(heldId);
  assert.deepEqual(describe(running), [[1, null, null, null]], 'a running attempt has no outcome yet');
  assert.equal(running[0]!.finished_at, null);
  held.open();
  await ended(heldId);

  // Every FAILED one: the dry run's count, then the same count replayed, each delivered again.
  const dry = await api('POST', '/v1/transactions/replay', { status: 'FAILED', dry_run: true });
  assert.deepEqual([dry.status, dry.body], [200, { matched: 3 }]);
  const bulk = await api('POST', '/v1/transactions/replay', { status: 'FAILED' });
  assert.deepEqual([bulk.status, bulk.body], [202, { replayed: 3 }]);
  for (const id of bad) {
    await waitFor(async () => (await attemptsOf(id)).length === 2 && (await view(id)).status === 'FAILED', {
      timeoutMs: 30_000,
      message: `${id} replayed and FAILED again`,
    });
    assert.equal(receiver.of(id).length, 2);
    assert.equal(receiver.of(id)[1]!.webhookId, receiver.of(id)[0]!.webhookId);
  }
  assert.equal(receiver.deliveries.filter((d) => !d.verified).length, 0, 'every delivery verifies');

  // The last ten minutes at a glance add up to what was sent and where it is now.
  const timeline = await api('GET', '/v1/stats/timeline?minutes=10');
  assert.equal(timeline.status, 200, JSON.stringify(timeline.body));
  const { bucket_seconds: bucketSeconds, buckets } = timeline.body as {
    bucket_seconds: number;
    buckets: Bucket[];
  };
  assert.equal(bucketSeconds, 60);
  assert.equal(buckets.length, 10);
  const starts = buckets.map((b) => Date.parse(b.start));
  assert.ok(
    starts.every((s, i) => i === 0 || s - starts[i - 1]! === 60_000),
    'every minute, oldest first',
  );
  assert.ok(Date.now() - starts.at(-1)! < 60_000 + 1000, 'the last bucket is the current minute');
  const sum = (key: 'received' | 'processed' | 'failed') => buckets.reduce((n, b) => n + b[key], 0);
  assert.equal(sum('received'), sent.length);
  assert.equal(sum('processed'), 3, 'busy, ok and the held one');
  assert.equal(sum('failed'), 3);

  // Refusals: unknown ids, statuses that cannot be replayed, a timeline out of range, no key.
  assert.equal((await api('GET', `/v1/transactions/${uniqueId()}/attempts`)).status, 404);
  assert.deepEqual((await api('POST', `/v1/transactions/${uniqueId()}/replay`)).body, {
    detail: 'Transaction not found',
  });
  const received = await api('POST', '/v1/transactions/replay', { status: 'RECEIVED', dry_run: true });
  assert.equal(received.status, 422);
  assert.deepEqual((received.body as { detail: { loc: string[] }[] }).detail[0]!.loc, ['body', 'status']);
  for (const minutes of ['0', '1441', 'sixty', '-5']) {
    const res = await api('GET', `/v1/stats/timeline?minutes=${minutes}`);
    assert.equal(res.status, 422, minutes);
    assert.deepEqual((res.body as { detail: { loc: string[] }[] }).detail[0]!.loc, ['query', 'minutes']);
  }
  for (const [method, path] of [
    ['GET', `/v1/transactions/${ok}/attempts`],
    ['POST', `/v1/transactions/${ok}/replay`],
    ['POST', '/v1/transactions/replay'],
    ['GET', '/v1/stats/timeline'],
  ] as const) {
    assert.equal((await request(rt.url, method, path)).status, 401, `${method} ${path}`);
  }
  t.diagnostic(`receiver requests ${receiver.deliveries.length}, all verified`);
}

test('attempts and replay, embedded (SQLite, in-process queue)', { timeout: 120_000 }, async (t) => {
  await acceptance(t, {});
});

const skip =
  (await skipUnlessReachable('postgres', TEST_DATABASE_URL)) ||
  (await skipUnlessReachable('redis', TEST_REDIS_URL));

test('attempts and replay, PostgreSQL + BullMQ on Redis', { skip, timeout: 120_000 }, async (t) => {
  await acceptance(t, {
    DATABASE_URL: await disposableDatabase(t, TEST_DATABASE_URL, 'attempts'),
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: `{attempts_${randomBytes(4).toString('hex')}}`,
  });
});
