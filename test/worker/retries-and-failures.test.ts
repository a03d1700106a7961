import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PermanentError,
  type ProcessTransaction,
  RetryableError,
} from '../../src/handler/process-transaction.js';
import type { WorkerEvent } from '../../src/worker/worker-events.js';
import { getTransaction, postWebhook, request } from '../helpers/http-client.js';
import { webhookBody } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

const fastRetries = { RETRY_BASE_SECONDS: '0.02', RETRY_MAX_SECONDS: '0.1', MAX_ATTEMPTS: '3' };

async function viewOf(url: string, id: string) {
  return (await getTransaction(url, id)).body as Record<string, unknown>;
}

test('a failing handler is retried with backoff; once PROCESSED its errors live in its attempts', async (t) => {
  const calls: number[] = [];
  const handler: ProcessTransaction = async (_txn, { attempt }) => {
    calls.push(attempt);
    if (attempt < 3) throw new Error(`gateway timeout #${attempt}`);
  };
  const events: WorkerEvent[] = [];
  const runtime = await startTestRuntime(t, fastRetries, { handler, onWorkerEvent: (e) => events.push(e) });
  const body = webhookBody();
  await postWebhook(runtime.url, body);
  const view = await waitFor(async () => {
    const v = await viewOf(runtime.url, body.transaction_id as string);
    return v.status === 'PROCESSED' ? v : null;
  });
  assert.deepEqual(calls, [1, 2, 3]);
  assert.equal(view.attempts, 3);
  assert.equal(view.last_error, null, 'completion clears the last error');
  assert.deepEqual(
    (await runtime.store.listAttempts(body.transaction_id as string, 10)).map((a) => [a.outcome, a.error]),
    [
      ['retrying', 'Error: gateway timeout #1'],
      ['retrying', 'Error: gateway timeout #2'],
      ['succeeded', null],
    ],
  );
  const retries = events.filter((e) => e.type === 'retry-scheduled');
  assert.equal(retries.length, 2);
});

test('retries end in FAILED after MAX_ATTEMPTS, and a requeue processes it again', async (t) => {
  let healthy = false;
  const handler: ProcessTransaction = async () => {
    if (!healthy) throw new Error('downstream unavailable');
  };
  const runtime = await startTestRuntime(t, fastRetries, { handler });
  const body = webhookBody();
  const id = body.transaction_id as string;
  await postWebhook(runtime.url, body);
  const failed = await waitFor(async () => {
    const v = await viewOf(runtime.url, id);
    return v.status === 'FAILED' ? v : null;
  });
  assert.equal(failed.attempts, 3);
  assert.equal(failed.last_error, 'Error: downstream unavailable');
  assert.equal(failed.processed_at, null);

  healthy = true;
  const requeued = await request(runtime.url, 'POST', `/v1/transactions/${id}/retry`);
  assert.equal(requeued.status, 202);
  assert.deepEqual(requeued.body, { transaction_id: id, status: 'RECEIVED' });
  const done = await waitFor(async () => {
    const v = await viewOf(runtime.url, id);
    return v.status === 'PROCESSED' ? v : null;
  });
  assert.equal(done.attempts, 1);
});

test('a PermanentError fails the transaction at once', async (t) => {
  let calls = 0;
  const handler: ProcessTransaction = async () => {
    calls++;
    throw new PermanentError('card declined');
  };
  const runtime = await startTestRuntime(t, fastRetries, { handler });
  const body = webhookBody();
  await postWebhook(runtime.url, body);
  const failed = await waitFor(async () => {
    const v = await viewOf(runtime.url, body.transaction_id as string);
    return v.status === 'FAILED' ? v : null;
  });
  assert.equal(failed.attempts, 1);
  assert.equal(failed.last_error, 'PermanentError: card declined');
  assert.equal(calls, 1);
});

test('a RetryableError with retryAfterMs waits at least that long, above the backoff', async (t) => {
  const startedAt: number[] = [];
  const handler: ProcessTransaction = async (_txn, { attempt }) => {
    startedAt.push(performance.now());
    if (attempt === 1) throw new RetryableError('receiver busy', 400);
  };
  const events: WorkerEvent[] = [];
  const runtime = await startTestRuntime(
    t,
    { ...fastRetries, RETRY_MAX_SECONDS: '5' },
    { handler, onWorkerEvent: (e) => events.push(e) },
  );
  const body = webhookBody();
  await postWebhook(runtime.url, body);
  const view = await waitFor(async () => {
    const v = await viewOf(runtime.url, body.transaction_id as string);
    return v.status === 'PROCESSED' ? v : null;
  });
  assert.equal(view.last_error, null);
  assert.deepEqual(
    (await runtime.store.listAttempts(body.transaction_id as string, 10)).map((a) => a.error),
    ['RetryableError: receiver busy', null],
  );
  const retry = events.find((e) => e.type === 'retry-scheduled');
  assert.equal(retry?.type === 'retry-scheduled' && retry.delayMs, 400);
  assert.equal(startedAt.length, 2);
  assert.ok(startedAt[1]! - startedAt[0]! >= 400, `second attempt after ${startedAt[1]! - startedAt[0]!} ms`);
});

test('a Retry-After longer than RETRY_MAX_SECONDS is cut to it', async (t) => {
  const handler: ProcessTransaction = async (_txn, { attempt }) => {
    if (attempt === 1) throw new RetryableError('come back next year', 365 * 24 * 3600 * 1000);
  };
  const events: WorkerEvent[] = [];
  const runtime = await startTestRuntime(t, fastRetries, { handler, onWorkerEvent: (e) => events.push(e) });
  const body = webhookBody();
  await postWebhook(runtime.url, body);
  await waitFor(
    async () => (await viewOf(runtime.url, body.transaction_id as string)).status === 'PROCESSED',
  );
  const retry = events.find((e) => e.type === 'retry-scheduled');
  assert.equal(retry?.type === 'retry-scheduled' && retry.delayMs, 100);
});

test("a handler's report of the downstream's answer is kept with the attempt, checked and cut to 1,024 bytes", async (t) => {
  // A user handler may report through its resolved value or on any error it throws.
  const long = `${'é'.repeat(510)}☃☃`; // 1,020 + 3 + 3 bytes: the second snowman does not fit.
  const handler: ProcessTransaction = async (txn, { attempt }) => {
    const kind = txn.sourceAccount;
    if (kind === 'reports') {
      if (attempt === 1) {
        throw Object.assign(new Error('downstream said no'), {
          report: { httpStatus: 502, responseExcerpt: long },
        });
      }
      return { httpStatus: 201, responseExcerpt: 'created' };
    }
    if (kind === 'odd') return { httpStatus: 42, responseExcerpt: 7 } as never;
    if (kind === 'permanent') {
      throw new PermanentError('refused', { report: { httpStatus: 422, responseExcerpt: 'bad field' } });
    }
  };
  const runtime = await startTestRuntime(t, fastRetries, { handler });
  const ids: Record<string, string> = {};
  for (const kind of ['reports', 'odd', 'permanent', 'silent']) {
    const body = webhookBody({ source_account: kind });
    ids[kind] = body.transaction_id as string;
    await postWebhook(runtime.url, body);
  }
  for (const id of Object.values(ids)) {
    await waitFor(async () =>
      ['PROCESSED', 'FAILED'].includes(String((await viewOf(runtime.url, id)).status)),
    );
  }
  const attempts = async (kind: string) =>
    (await runtime.store.listAttempts(ids[kind]!, 10)).map((a) => [
      a.outcome,
      a.httpStatus,
      a.responseExcerpt,
    ]);
  const kept = `${'é'.repeat(510)}☃`;
  assert.equal(Buffer.byteLength(kept), 1023);
  assert.deepEqual(await attempts('reports'), [
    ['retrying', 502, kept],
    ['succeeded', 201, 'created'],
  ]);
  assert.deepEqual(await attempts('odd'), [['succeeded', null, null]], 'values out of range are not kept');
  assert.deepEqual(await attempts('permanent'), [['failed', 422, 'bad field']]);
  assert.deepEqual(
    await attempts('silent'),
    [['succeeded', null, null]],
    'a handler that returns nothing works',
  );
});
