import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test } from 'node:test';
import type { ProcessTransaction } from '../../src/handler/process-transaction.js';
import type { WorkerEvent } from '../../src/worker/worker-events.js';
import { postWebhook } from '../helpers/http-client.js';
import { newTransaction, webhookBody } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

test('a lease is renewed while the handler runs longer than the lease', async (t) => {
  const events: WorkerEvent[] = [];
  let finished = false;
  const handler: ProcessTransaction = async (_txn, { signal }) => {
    // Run for several lease lengths, in steps, so renewals must happen for the lease to survive.
    for (let i = 0; i < 8 && !signal.aborted; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    finished = !signal.aborted;
  };
  const runtime = await startTestRuntime(
    t,
    { LEASE_SECONDS: '0.25', SWEEP_INTERVAL_SECONDS: '0.05' },
    { handler, onWorkerEvent: (e) => events.push(e) },
  );
  const body = webhookBody();
  await postWebhook(runtime.url, body);
  const done = await waitFor(async () => {
    const r = await runtime.store.get(body.transaction_id as string);
    return r?.status === 'PROCESSED' ? r : null;
  });
  assert.equal(finished, true);
  assert.equal(done.attempts, 1);
  assert.equal(events.filter((e) => e.type === 'claimed' && e.reclaimed).length, 0);
});

test('a worker that lost its lease is aborted and cannot complete', async (t) => {
  let sawAbort = false;
  let started = false;
  const handler: ProcessTransaction = async (_txn, { signal }) => {
    started = true;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    sawAbort = true;
  };
  const events: WorkerEvent[] = [];
  const runtime = await startTestRuntime(
    t,
    { LEASE_SECONDS: '0.3' },
    { handler, onWorkerEvent: (e) => events.push(e) },
  );
  const body = webhookBody();
  const id = body.transaction_id as string;
  await postWebhook(runtime.url, body);
  await waitFor(() => started);
  // Another worker takes over the (now expired) lease, as after a long stall.
  await runtime.store.expireLeases(runtime.worker!.owner);
  const takeover = await runtime.store.claim(id, 'rescuer', 60_000);
  assert.equal(takeover?.reclaimed, true);
  await waitFor(() => sawAbort, { message: 'the stale handler to be aborted' });
  await waitFor(() => runtime.worker!.inFlight === 0);
  const record = await runtime.store.get(id);
  assert.equal(record?.status, 'PROCESSING');
  assert.equal(record?.leaseOwner, 'rescuer');
  assert.equal(await runtime.store.complete(id, 'rescuer'), true);
  assert.equal((await runtime.store.get(id))?.attempts, 2);
  // The attempt whose lease was lost is closed as interrupted by the takeover, and stays so.
  assert.deepEqual(
    (await runtime.store.listAttempts(id, 10)).map((a) => [a.attempt, a.outcome]),
    [
      [1, 'interrupted'],
      [2, 'succeeded'],
    ],
  );
});

test('the sweep dispatches RECEIVED rows no job covers, and leases of a dead owner', async (t) => {
  const runs: string[] = [];
  const handler: ProcessTransaction = async (txn) => {
    runs.push(txn.transactionId);
  };
  const runtime = await startTestRuntime(t, { RECEIVED_STALE_SECONDS: '0' }, { handler });
  // Rows committed by an API that died before enqueueing, and a lease held by a dead process.
  const orphan = newTransaction();
  const stranded = newTransaction();
  await runtime.store.insertMany([orphan, stranded]);
  // pid 999999 does not exist (above the default pid_max), so the owner is known dead.
  assert.ok(await runtime.store.claim(stranded.transactionId, `${hostname()}/999999/dead`, 3_600_000));
  await runtime.sweep!.sweep();
  await waitFor(async () => (await runtime.store.countByStatus()).PROCESSED === 2, {
    message: 'both rows processed',
  });
  assert.deepEqual(runs.sort(), [orphan.transactionId, stranded.transactionId].sort());
  assert.equal((await runtime.store.get(stranded.transactionId))?.attempts, 2);
});
