import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../../src/logger.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { forwardSecret, startForwardReceiver, startHoldingReceiver } from '../../helpers/forward-receiver.js';
import { getTransaction, postWebhook, request } from '../../helpers/http-client.js';
import { webhookBody } from '../../helpers/sample-transaction.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startTestRuntime } from '../../helpers/test-runtime.js';
import { waitFor } from '../../helpers/wait-for.js';

const secret = forwardSecret();

async function viewOf(url: string, id: string) {
  return (await getTransaction(url, id)).body as Record<string, unknown>;
}

/** Posts webhooks 50 at a time; returns their ids. */
async function postMany(url: string, count: number): Promise<string[]> {
  const bodies = Array.from({ length: count }, () => webhookBody());
  for (let i = 0; i < bodies.length; i += 50) {
    const answers = await Promise.all(bodies.slice(i, i + 50).map((b) => postWebhook(url, b)));
    for (const a of answers) assert.equal(a.status, 202);
  }
  return bodies.map((b) => b.transaction_id as string);
}

/** A logger as the service builds it, writing into a string the test can read. */
function capturedLogger() {
  let output = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      output += String(chunk);
      callback();
    },
  });
  return { logger: createLogger('trace', stream), output: () => output };
}

test('the receiver down (three refused attempts each), then up: every transaction is retried until delivered', async (t) => {
  const receiver = await startForwardReceiver(secret, { t });
  await receiver.down();
  const runtime = await startTestRuntime(t, {
    FORWARD_URL: receiver.url,
    FORWARD_SECRET: secret,
    RETRY_BASE_SECONDS: '0.3',
    RETRY_MAX_SECONDS: '1',
    MAX_ATTEMPTS: '50',
  });
  const ids = await postMany(runtime.url, 5);
  // Down until every transaction has been refused three times.
  for (const id of ids) {
    const view = await waitFor(
      async () => {
        const v = await viewOf(runtime.url, id);
        return (v.attempts as number) >= 3 ? v : null;
      },
      { message: `${id} to be refused three times` },
    );
    assert.match(String(view.last_error), /^RetryableError: ECONNREFUSED/);
  }
  await receiver.up();
  for (const id of ids) {
    await waitFor(async () => (await viewOf(runtime.url, id)).status === 'PROCESSED', {
      message: `${id} PROCESSED`,
    });
    assert.equal(receiver.of(id).length, 1, `${id} arrived once`);
    assert.ok(receiver.of(id)[0]!.verified);
  }
  const metrics = (await fetch(`${runtime.url}/metrics`).then((r) => r.text())).split('\n');
  const value = (prefix: string) => Number(metrics.find((l) => l.startsWith(prefix))?.split(' ')[1]);
  const count = (outcome: string) => value(`webhooks_forward_attempts_total{outcome="${outcome}"}`);
  assert.equal(count('2xx'), 5);
  assert.ok(count('network') >= 10, `network failures counted: ${count('network')}`);
  assert.equal(count('retryable') + count('permanent') + count('timeout'), 0);
  assert.equal(value('webhooks_forward_duration_seconds_count'), count('2xx') + count('network'));
});

test('a burst of 500 with FORWARD_CONCURRENCY=8 never has more than 8 requests at the receiver', async (t) => {
  const receiver = await startForwardReceiver(secret, { t, respond: () => ({ status: 200, delayMs: 10 }) });
  const runtime = await startTestRuntime(t, {
    FORWARD_URL: receiver.url,
    FORWARD_SECRET: secret,
    FORWARD_CONCURRENCY: '8',
    WORKER_CONCURRENCY: '1000',
  });
  const ids = await postMany(runtime.url, 500);
  await waitFor(async () => (await runtime.store.countByStatus()).PROCESSED === 500, {
    timeoutMs: 60_000,
    message: 'all 500 PROCESSED',
  });
  assert.equal(receiver.maxInFlight, 8, 'the cap was reached and never passed');
  assert.ok(receiver.connections <= 8, `${receiver.connections} connections for 500 requests`);
  assert.equal(receiver.deliveries.length, 500);
  assert.deepEqual(new Set(receiver.deliveries.map((d) => d.transactionId)), new Set(ids));
  assert.ok(receiver.deliveries.every((d) => d.verified));
});

test('last_error, the attempts and the logs never hold the secret or the credentials of FORWARD_URL', async (t) => {
  const password = 'pw-7c1e55a0-hunter2';
  const receiver = await startForwardReceiver(secret, {
    t,
    // An echoing receiver: it sends back the authorization it got, decoded too.
    respond: (d) => {
      const token = String(d.headers.authorization).replace('Basic ', '');
      const echo = `auth=${d.headers.authorization} decoded=${Buffer.from(token, 'base64').toString()}`;
      return d.attempt === 1 ? { status: 503, body: echo } : { status: 400, body: echo };
    },
  });
  const { logger, output } = capturedLogger();
  const runtime = await startTestRuntime(
    t,
    {
      FORWARD_URL: receiver.url.replace('http://', `http://svc:${password}@`),
      FORWARD_SECRET: secret,
      RETRY_BASE_SECONDS: '0.05',
      RETRY_MAX_SECONDS: '0.1',
    },
    { logger },
  );
  const [id] = await postMany(runtime.url, 1);
  const failed = await waitFor(async () => {
    const v = await viewOf(runtime.url, id!);
    return v.status === 'FAILED' ? v : null;
  });
  assert.equal(failed.attempts, 2);
  assert.match(
    String(failed.last_error),
    /^PermanentError: HTTP 400: auth=Basic \[redacted\] decoded=\[redacted\]$/,
  );
  assert.equal(receiver.of(id!).length, 2, 'a 400 is not retried');
  const attempts = await runtime.store.listAttempts(id!, 10);
  assert.deepEqual(
    attempts.map((a) => [a.outcome, a.httpStatus]),
    [
      ['retrying', 503],
      ['failed', 400],
    ],
  );
  assert.match(String(attempts[1]!.responseExcerpt), /^auth=Basic \[redacted\] decoded=\[redacted\]$/);
  const history = JSON.stringify(attempts);
  const logs = output();
  assert.match(logs, /"msg":"forwarding transactions"/);
  assert.match(logs, /HTTP 503: auth=Basic \[redacted\]/, 'the retry was logged, redacted');
  for (const leak of [
    secret,
    secret.slice('whsec_'.length),
    password,
    Buffer.from(`svc:${password}`).toString('base64'),
  ]) {
    assert.ok(!logs.includes(leak), `logs hold ${leak.slice(0, 12)}…`);
    assert.ok(!String(failed.last_error).includes(leak));
    assert.ok(!history.includes(leak), `the attempts hold ${leak.slice(0, 12)}…`);
  }
});

test('shutdown aborts a request the receiver holds, and the lease goes back for the next worker', async (t) => {
  const receiver = await startHoldingReceiver(secret, t);
  const sqlitePath = join(tempDir(t), 'webhooks.db');
  const runtime = await startTestRuntime(t, {
    SQLITE_PATH: sqlitePath,
    FORWARD_URL: receiver.url,
    FORWARD_SECRET: secret,
    SHUTDOWN_TIMEOUT_SECONDS: '1.5',
  });
  const [id] = await postMany(runtime.url, 1);
  await waitFor(() => receiver.inFlight === 1, { message: 'the delivery to be held' });
  await runtime.stop();
  assert.equal(receiver.inFlight, 0, 'the request was aborted, not left open');
  const store = new SqliteStore({ path: sqlitePath, synchronous: 'NORMAL' });
  await store.ready();
  t.after(() => store.close());
  const record = await store.get(id!);
  assert.equal(record?.status, 'RECEIVED');
  assert.equal(record?.attempts, 0, 'a released lease does not count as an attempt');
});

test('a requeued FAILED transaction is delivered again with the same webhook-id', async (t) => {
  const receiver = await startForwardReceiver(secret, {
    t,
    respond: (d) => (d.attempt === 1 ? { status: 422, body: 'unknown account' } : { status: 200 }),
  });
  const runtime = await startTestRuntime(t, { FORWARD_URL: receiver.url, FORWARD_SECRET: secret });
  const [id] = await postMany(runtime.url, 1);
  await waitFor(async () => (await viewOf(runtime.url, id!)).status === 'FAILED');
  assert.equal((await viewOf(runtime.url, id!)).last_error, 'PermanentError: HTTP 422: unknown account');
  assert.equal((await request(runtime.url, 'POST', `/v1/transactions/${id}/retry`)).status, 202);
  await waitFor(async () => (await viewOf(runtime.url, id!)).status === 'PROCESSED');
  const [first, second] = receiver.of(id!);
  assert.equal(second?.webhookId, first?.webhookId);
});
