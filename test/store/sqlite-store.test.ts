import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SQLITE_MIGRATIONS, SQLITE_RETENTION_MIGRATION } from '../../src/store/sqlite/sqlite-migrations.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { newTransaction } from '../helpers/sample-transaction.js';
import { sqliteFileAt } from '../helpers/sqlite-at-migration.js';
import { tempDir } from '../helpers/temp-dir.js';
import { tempSqliteStore } from '../helpers/temp-sqlite-store.js';
import { storeContract } from './store-contract.js';

storeContract('sqlite', (t) => tempSqliteStore(t), {
  // Another process's connection to the same file.
  openTwin: async (t, store) => {
    const twin = new SqliteStore({ path: (store as SqliteStore).path, synchronous: 'FULL' });
    await twin.ready();
    t.after(() => twin.close());
    return twin;
  },
});

test('sqlite store: a duplicate is not answered before the row it found is synced', async (t) => {
  const store = await tempSqliteStore(t, 'FULL');
  const item = newTransaction();
  const answered: string[] = [];
  // Not awaited: the first insert is committed and waits for its sync when the second one runs,
  // as when two ingest batches are in flight.
  const first = store.insertMany([item]).then(([o]) => answered.push(`first inserted=${o?.inserted}`));
  const second = store
    .insertMany([{ ...item, amount: 1 }])
    .then(([o]) => answered.push(`second inserted=${o?.inserted}`));
  await Promise.all([first, second]);
  assert.deepEqual(answered, ['first inserted=true', 'second inserted=false']);
});

test('sqlite store: a file at version 1 is rebuilt with the provider columns, keeping its rows and rowids', async (t) => {
  const path = join(tempDir(t), 'v1.db');
  const v1 = sqliteFileAt(path, 1);
  const items = [newTransaction({ amount: 19.99 }), newTransaction({ amount: 1500 })];
  const insert = v1.prepare(
    `INSERT INTO transactions (transaction_id, source_account, destination_account, amount, currency, status,
       created_at, updated_at, available_at, payload) VALUES (?, ?, ?, ?, ?, 'RECEIVED', ?, ?, ?, ?)`,
  );
  for (const item of items) {
    const at = item.receivedAt.getTime();
    insert.run(
      item.transactionId,
      item.sourceAccount,
      item.destinationAccount,
      String(item.amount),
      'INR',
      at,
      at,
      at,
      item.payload,
    );
  }
  const rowids = v1.prepare('SELECT rowid, transaction_id FROM transactions ORDER BY rowid').all();
  v1.close();

  const store = new SqliteStore({ path, synchronous: 'FULL' });
  await store.ready();
  t.after(() => store.close());
  for (const item of items) {
    const read = await store.get(item.transactionId);
    assert.equal(read?.amount, item.amount);
    assert.equal(read?.destinationAccount, item.destinationAccount);
    assert.deepEqual(
      [read?.provider, read?.eventType, read?.paymentId, read?.paymentStatus],
      [null, null, null, null],
    );
  }
  const event = newTransaction({
    amount: null,
    currency: null,
    sourceAccount: null,
    provider: 'razorpay',
    paymentId: 'pay_1',
  });
  assert.equal((await store.insertMany([event]))[0]?.inserted, true);
  assert.equal((await store.findByPayment('pay_1', 10))[0]?.transactionId, event.transactionId);
  await store.close();

  const after = new Database(path, { readonly: true });
  t.after(() => after.close());
  assert.equal(after.pragma('user_version', { simple: true }), SQLITE_MIGRATIONS.length);
  assert.deepEqual(
    after.prepare('SELECT rowid, transaction_id FROM transactions WHERE rowid <= 2 ORDER BY rowid').all(),
    rowids,
  );
  const indexes = after
    .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'transactions'")
    .pluck()
    .all();
  for (const name of [
    'transactions_received_due',
    'transactions_lease_due',
    'transactions_payment',
    'transactions_created',
    'transactions_status',
    'transactions_provider',
    'transactions_event_type',
    'transactions_failed',
  ]) {
    assert.ok(indexes.includes(name), name);
  }
});

test('sqlite store: a file at version 2 starts counting PROCESSED from the rows it holds', async (t) => {
  const path = join(tempDir(t), 'v2.db');
  const v2 = sqliteFileAt(path, 2);
  const insert = v2.prepare(
    `INSERT INTO transactions (transaction_id, status, created_at, updated_at, available_at, payload)
     VALUES (?, ?, ?, ?, ?, '{}')`,
  );
  const now = Date.now();
  for (const [i, status] of ['PROCESSED', 'PROCESSED', 'PROCESSED', 'FAILED', 'RECEIVED'].entries()) {
    insert.run(`txn_v2_${i}`, status, now + i, now + i, now + i);
  }
  v2.close();

  const store = new SqliteStore({ path, synchronous: 'NORMAL' });
  await store.ready();
  t.after(() => store.close());
  assert.deepEqual(await store.countByStatus(), { RECEIVED: 1, PROCESSING: 0, PROCESSED: 3, FAILED: 1 });
  assert.ok(await store.claim('txn_v2_4', 'w', 60_000));
  assert.ok(await store.complete('txn_v2_4', 'w'));
  assert.equal((await store.countByStatus()).PROCESSED, 4);
  assert.deepEqual(
    (await store.list({ filter: {}, limit: 2 })).map((r) => r.transactionId),
    ['txn_v2_4', 'txn_v2_3'],
  );
});

test('sqlite store: a file of the release before reconciliation gains received_via in place: its rows read webhook', async (t) => {
  const path = join(tempDir(t), 'previous.db');
  // Every migration before the one that adds received_via: the previous release's schema.
  const mine = SQLITE_MIGRATIONS.findIndex(
    (m) => typeof m === 'string' && m.includes('ADD COLUMN received_via'),
  );
  assert.ok(mine > 0);
  const previous = sqliteFileAt(path, mine);
  const insert = previous.prepare(
    `INSERT INTO transactions (transaction_id, status, created_at, updated_at, available_at, payload, provider)
     VALUES (?, 'PROCESSED', ?, ?, ?, '{}', 'stripe')`,
  );
  const start = Date.now() - 10_000;
  for (let i = 0; i < 3; i++) insert.run(`evt_old_${i}`, start + i, start + i, start + i);
  const rowids = previous.prepare('SELECT rowid, transaction_id FROM transactions ORDER BY rowid').all();
  previous.close();

  const store = new SqliteStore({ path, synchronous: 'NORMAL' });
  await store.ready();
  t.after(() => store.close());
  assert.equal((await store.get('evt_old_0'))?.receivedVia, 'webhook');
  assert.deepEqual(
    (await store.list({ filter: { receivedVia: 'webhook' }, limit: 10 })).map((r) => r.transactionId),
    ['evt_old_2', 'evt_old_1', 'evt_old_0'],
  );
  assert.deepEqual(await store.list({ filter: { receivedVia: 'reconciliation' }, limit: 10 }), []);
  const recovered = newTransaction({ provider: 'stripe', receivedVia: 'reconciliation' });
  await store.insertMany([recovered]);
  assert.deepEqual(
    (await store.list({ filter: { receivedVia: 'reconciliation' }, limit: 10 })).map((r) => r.transactionId),
    [recovered.transactionId],
  );
  assert.ok(await store.takeReconcileLease('stripe', 'w', 60_000, { whenDue: true }));
  await store.close();

  const after = new Database(path, { readonly: true });
  t.after(() => after.close());
  assert.equal(after.pragma('user_version', { simple: true }), SQLITE_MIGRATIONS.length);
  assert.deepEqual(
    after.prepare('SELECT rowid, transaction_id FROM transactions WHERE rowid <= 3 ORDER BY rowid').all(),
    rowids,
  );
  // The list's reconciliation filter reads the partial index, in the list's order.
  const plan = after
    .prepare(
      `EXPLAIN QUERY PLAN SELECT transaction_id FROM transactions WHERE received_via = ?
        ORDER BY created_at DESC, transaction_id DESC LIMIT 50`,
    )
    .all('reconciliation') as { detail: string }[];
  assert.match(plan.map((p) => p.detail).join('; '), /transactions_reconciled/);
});

test('sqlite store: a file of the release before retention keeps its rows and payloads, and retention works on them', async (t) => {
  const path = join(tempDir(t), 'before-retention.db');
  const old = sqliteFileAt(path, SQLITE_MIGRATIONS.indexOf(SQLITE_RETENTION_MIGRATION));
  const insert = old.prepare(
    `INSERT INTO transactions (transaction_id, status, created_at, updated_at, available_at, payload)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const longAgo = Date.now() - 100 * 86_400_000;
  const statuses = ['PROCESSED', 'PROCESSED', 'FAILED', 'RECEIVED', 'PROCESSING'] as const;
  for (const [i, status] of statuses.entries()) {
    insert.run(`txn_old_${i}`, status, longAgo + i, longAgo + i, longAgo + i, `{"n":${i}}`);
  }
  // What the earlier release's completions counted.
  old.prepare('UPDATE processed_count SET n = 2 WHERE id = 1').run();
  old.close();

  const store = new SqliteStore({ path, synchronous: 'NORMAL' });
  await store.ready();
  t.after(() => store.close());
  for (const i of statuses.keys()) assert.equal((await store.get(`txn_old_${i}`))?.payload, `{"n":${i}}`);
  assert.equal(await store.erasePayloads(new Date(longAgo + 1), 1000), 1, 'the oldest finished one');
  assert.equal((await store.get('txn_old_0'))?.payload, null);
  assert.equal(await store.deleteFinished(new Date(), 1000), 3);
  assert.deepEqual(await store.countByStatus(), { RECEIVED: 1, PROCESSING: 1, PROCESSED: 0, FAILED: 0 });
  assert.equal((await store.get('txn_old_3'))?.payload, '{"n":3}');
});

test('sqlite store: a file of the release before attempts keeps its rows; numbering follows their attempts', async (t) => {
  const path = join(tempDir(t), 'before-attempts.db');
  const mine = SQLITE_MIGRATIONS.findIndex(
    (m) => typeof m === 'string' && m.includes('CREATE TABLE transaction_attempts'),
  );
  assert.ok(mine > 0);
  const old = sqliteFileAt(path, mine);
  const now = Date.now();
  const insert = old.prepare(
    `INSERT INTO transactions (transaction_id, status, created_at, updated_at, processed_at, available_at, attempts,
       last_error, lease_owner, lease_expires_at, payload)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')`,
  );
  insert.run(
    'txn_done',
    'PROCESSED',
    now - 5000,
    now - 1000,
    now - 1000,
    now - 5000,
    2,
    'Error: busy',
    null,
    null,
  );
  insert.run(
    'txn_waiting',
    'RECEIVED',
    now - 5000,
    now - 4000,
    null,
    now - 4000,
    2,
    'Error: busy',
    null,
    null,
  );
  insert.run(
    'txn_orphan',
    'PROCESSING',
    now - 5000,
    now - 4000,
    null,
    now - 5000,
    1,
    null,
    'gone/1/x',
    now - 1,
  );
  old.prepare('UPDATE processed_count SET n = 1 WHERE id = 1').run();
  old.close();

  const store = new SqliteStore({ path, synchronous: 'NORMAL' });
  await store.ready();
  t.after(() => store.close());
  assert.equal((await store.get('txn_done'))?.lastError, null, 'a PROCESSED row keeps no last error');
  assert.equal((await store.get('txn_waiting'))?.lastError, 'Error: busy');
  const waiting = await store.claim('txn_waiting', 'w', 60_000);
  assert.equal(waiting?.attempt, 3, 'numbered after the two attempts made before the upgrade');
  assert.equal(waiting?.record.attempts, 3);
  const orphan = await store.claim('txn_orphan', 'w', 60_000);
  assert.equal(orphan?.reclaimed, true);
  assert.equal(orphan?.attempt, 2);
  assert.deepEqual(
    (await store.listAttempts('txn_orphan', 10)).map((a) => [a.attempt, a.outcome]),
    [[2, null]],
    'no record of the attempt begun before the upgrade, and nothing invented for it',
  );
  const minute = 60_000;
  const from = Math.floor(now / minute) * minute - minute;
  const counts = await store.timeline({
    from: new Date(from),
    to: new Date(from + 3 * minute),
    bucketMs: minute,
  });
  assert.equal(
    counts.reduce((n, c) => n + c.processed, 0),
    1,
  );
  assert.ok(await store.replay('txn_done'));
  assert.equal((await store.countByStatus()).PROCESSED, 0);
});
