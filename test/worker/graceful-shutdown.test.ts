import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RELEASED_AT_SHUTDOWN_ERROR } from '../../src/domain/transaction-attempt.js';
import type { ProcessTransaction } from '../../src/handler/process-transaction.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { postWebhook } from '../helpers/http-client.js';
import { webhookBody } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

test('stop lets quick handlers finish and releases slow ones without counting the attempt', async (t) => {
  let quickStarted = false;
  let slowStarted = false;
  let releaseQuick!: () => void;
  const quickGate = new Promise<void>((resolve) => {
    releaseQuick = resolve;
  });
  const handler: ProcessTransaction = async (txn, { signal }) => {
    if (txn.sourceAccount === 'quick') {
      quickStarted = true;
      await quickGate;
      return;
    }
    slowStarted = true;
    await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  };
  const runtime = await startTestRuntime(t, { SHUTDOWN_TIMEOUT_SECONDS: '2' }, { handler });
  const quick = webhookBody({ source_account: 'quick' });
  const slow = webhookBody({ source_account: 'slow' });
  await postWebhook(runtime.url, quick);
  await postWebhook(runtime.url, slow);
  await waitFor(() => quickStarted && slowStarted);

  const stopping = runtime.stop();
  setImmediate(releaseQuick);
  await stopping;
  // The runtime closed its store; read the outcome through a new one on the same file.
  assert.equal(runtime.config.store.kind, 'sqlite');
  const store = new SqliteStore({ path: runtime.config.store.path, synchronous: 'NORMAL' });
  await store.ready();
  t.after(() => store.close());
  const q = await store.get(quick.transaction_id as string);
  const s = await store.get(slow.transaction_id as string);
  assert.equal(q?.status, 'PROCESSED');
  assert.equal(s?.status, 'RECEIVED');
  assert.equal(s?.attempts, 0);
  assert.equal(s?.leaseOwner, null);
  // The released attempt is on record, closed as interrupted (it does not count against the budget).
  const [released] = await store.listAttempts(slow.transaction_id as string, 10);
  assert.equal(released?.outcome, 'interrupted');
  assert.equal(released?.error, RELEASED_AT_SHUTDOWN_ERROR);
  assert.deepEqual(
    (await store.listAttempts(quick.transaction_id as string, 10)).map((a) => a.outcome),
    ['succeeded'],
  );
  await assert.rejects(fetch(`${runtime.url}/`));
});
