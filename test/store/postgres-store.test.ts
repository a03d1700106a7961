import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, type TestContext, test } from 'node:test';
import pg from 'pg';
import {
  POSTGRES_MIGRATIONS,
  POSTGRES_RETENTION_MIGRATION,
} from '../../src/store/postgres/postgres-migrations.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { TransactionStore } from '../../src/store/transaction-store.js';
import { newTransaction } from '../helpers/sample-transaction.js';
import { skipUnlessReachable, TEST_DATABASE_URL } from '../helpers/services.js';
import { storeContract } from './store-contract.js';

const skip = await skipUnlessReachable('postgres', TEST_DATABASE_URL);

// One connection for creating and dropping test schemas, opened only if the tests run.
let admin: pg.Pool | undefined;
const adminPool = () => {
  admin ??= new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  return admin;
};
after(() => admin?.end());

/**
 * A schema no other test uses, and a way to open stores in it. When the test ends its stores are
 * closed, then the schema is dropped with everything in it.
 */
function freshSchema(t: TestContext) {
  const name = `test_store_${randomUUID().replaceAll('-', '')}`;
  const stores: PostgresStore[] = [];
  t.after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await adminPool().query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  });
  const newStore = () => {
    const store = new PostgresStore({ connectionString: TEST_DATABASE_URL, schema: name, poolSize: 4 });
    stores.push(store);
    return store;
  };
  /**
   * Creates the schema as a release that had run only the first `count` migrations left it, with
   * their `schema_migrations` rows, for a store of this release to upgrade.
   */
  const migrateTo = async (count: number) => {
    const quoted = `"${name}"`;
    await adminPool().query(`CREATE SCHEMA ${quoted}`);
    await adminPool().query(
      `CREATE TABLE ${quoted}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)`,
    );
    for (const migration of POSTGRES_MIGRATIONS.slice(0, count)) {
      await adminPool().query(`SET search_path TO ${quoted}; ${migration.sql}; RESET search_path;`);
      await adminPool().query(`INSERT INTO ${quoted}.schema_migrations VALUES ($1, $2, now())`, [
        migration.version,
        migration.name,
      ]);
    }
  };
  return { name, newStore, migrateTo };
}

/** Which schema each contract test's store lives in, so a twin can open the same one. */
const schemaOf = new WeakMap<TransactionStore, ReturnType<typeof freshSchema>>();

storeContract(
  'postgres',
  async (t) => {
    const schema = freshSchema(t);
    const store = schema.newStore();
    await store.ready();
    schemaOf.set(store, schema);
    return store;
  },
  {
    skip,
    openTwin: async (_t, store) => {
      const twin = schemaOf.get(store)!.newStore();
      await twin.ready();
      return twin;
    },
  },
);

test('postgres store: migration versions are unique and increasing', () => {
  const versions = POSTGRES_MIGRATIONS.map((m) => m.version);
  assert.ok(versions.length > 0);
  assert.deepEqual(
    versions,
    [...new Set(versions)].sort((a, b) => a - b),
  );
});

test('postgres store: rejects a schema name that would need escaping', () => {
  for (const schema of ['', 'a"b', 'x; DROP TABLE y', '1abc', 'with space']) {
    assert.throws(() => new PostgresStore({ connectionString: TEST_DATABASE_URL, schema }), /schema name/);
  }
});

test('postgres store: four stores migrate one fresh schema at once, and again harmlessly', {
  skip,
}, async (t) => {
  const schema = freshSchema(t);
  const stores = Array.from({ length: 4 }, () => schema.newStore());
  await Promise.all(stores.map((s) => s.ready()));
  const later = schema.newStore();
  await later.ready();
  await later.close();
  await later.ready();

  const { rows } = await adminPool().query<{ version: number; name: string }>(
    `SELECT version, name FROM "${schema.name}".schema_migrations ORDER BY version`,
  );
  assert.deepEqual(
    rows,
    POSTGRES_MIGRATIONS.map(({ version, name }) => ({ version, name })),
  );
  const item = newTransaction();
  await stores[0]!.insertMany([item]);
  for (const store of [...stores, later]) {
    assert.equal((await store.get(item.transactionId))?.transactionId, item.transactionId);
  }
});

test('postgres store: stores in different schemas do not see each other', { skip }, async (t) => {
  const [a, b] = [freshSchema(t).newStore(), freshSchema(t).newStore()];
  await Promise.all([a.ready(), b.ready()]);
  const item = newTransaction();
  assert.equal((await a.insertMany([item]))[0]?.inserted, true);
  assert.equal(await b.get(item.transactionId), null);
  assert.equal((await b.insertMany([item]))[0]?.inserted, true);
});

test('postgres store: a batch of 500 with repeats inside and across batches keeps first deliveries', {
  skip,
}, async (t) => {
  const store = freshSchema(t).newStore();
  await store.ready();
  const earlier = Array.from({ length: 50 }, (_, i) => newTransaction({ amount: 1000 + i }));
  await store.insertMany(earlier);

  const fresh = Array.from({ length: 350 }, (_, i) => newTransaction({ amount: i + 0.01 }));
  const batch = [...fresh];
  // 50 ids already stored, then 100 repeats of ids earlier in this batch, spread through it.
  for (const [i, item] of earlier.entries()) batch.splice(i * 7, 0, { ...item, amount: 1 });
  for (let i = 0; i < 100; i++) {
    const original = fresh[(i * 13) % fresh.length]!;
    const at = batch.indexOf(original) + 1 + (i % 5);
    batch.splice(at, 0, { ...original, amount: 2, payload: '{"repeat":true}' });
  }
  assert.equal(batch.length, 500);

  const outcomes = await store.insertMany(batch);
  assert.equal(outcomes.length, 500);
  const seen = new Set(earlier.map((i) => i.transactionId));
  for (const [i, item] of batch.entries()) {
    const outcome = outcomes[i]!;
    assert.equal(outcome.record.transactionId, item.transactionId, `outcome ${i} is in input order`);
    assert.equal(outcome.inserted, !seen.has(item.transactionId), `outcome ${i} inserted`);
    seen.add(item.transactionId);
    assert.notEqual(outcome.record.amount, 1, 'a stored row is never overwritten');
    assert.notEqual(outcome.record.amount, 2, 'a repeat within the batch reports the first occurrence');
  }
  assert.equal(outcomes.filter((o) => o.inserted).length, 350);
  assert.equal((await store.countByStatus()).RECEIVED, 400);
  for (const item of [...earlier, ...fresh]) {
    const stored = await store.get(item.transactionId);
    assert.equal(stored?.amount, item.amount);
    assert.equal(stored?.payload, item.payload);
  }
});

test('postgres store: concurrent batches offering the same ids in opposite orders all succeed', {
  skip,
}, async (t) => {
  const schema = freshSchema(t);
  const [a, b] = [schema.newStore(), schema.newStore()];
  await Promise.all([a.ready(), b.ready()]);
  for (let round = 0; round < 5; round++) {
    const items = Array.from({ length: 200 }, () => newTransaction());
    const reversed = [...items].reverse();
    const [forward, backward] = await Promise.all([a.insertMany(items), b.insertMany(reversed)]);
    const winners = new Set(
      [...forward, ...backward].filter((o) => o.inserted).map((o) => o.record.transactionId),
    );
    assert.equal(winners.size, 200);
    assert.equal([...forward, ...backward].filter((o) => o.inserted).length, 200);
  }
});

test('postgres store: a schema at version 1 migrates to the provider columns and keeps its rows', {
  skip,
}, async (t) => {
  const schema = freshSchema(t);
  const quoted = `"${schema.name}"`;
  await schema.migrateTo(1);
  const old = newTransaction({ amount: 19.99 });
  await adminPool().query(
    `INSERT INTO ${quoted}.transactions (transaction_id, source_account, destination_account, amount, currency,
       status, created_at, updated_at, available_at, payload)
     VALUES ($1, $2, $3, $4, $5, 'RECEIVED', $6, $6, $6, $7)`,
    [
      old.transactionId,
      old.sourceAccount,
      old.destinationAccount,
      '19.99',
      'INR',
      old.receivedAt,
      old.payload,
    ],
  );
  const store = schema.newStore();
  await store.ready();
  const read = await store.get(old.transactionId);
  assert.equal(read?.amount, 19.99);
  assert.equal(read?.sourceAccount, old.sourceAccount);
  assert.deepEqual([read?.provider, read?.paymentId, read?.paymentStatus], [null, null, null]);
  const event = newTransaction({ amount: null, currency: null, sourceAccount: null, provider: 'stripe' });
  assert.equal((await store.insertMany([event]))[0]?.inserted, true);
  const { rows } = await adminPool().query<{ version: number }>(
    `SELECT version FROM ${quoted}.schema_migrations ORDER BY version`,
  );
  assert.deepEqual(
    rows.map((r) => r.version),
    POSTGRES_MIGRATIONS.map((m) => m.version),
  );
});

test('postgres store: a schema at version 2 starts counting PROCESSED from the rows it holds', {
  skip,
}, async (t) => {
  const schema = freshSchema(t);
  const quoted = `"${schema.name}"`;
  await schema.migrateTo(2);
  for (const [i, status] of ['PROCESSED', 'PROCESSED', 'FAILED', 'RECEIVED'].entries()) {
    await adminPool().query(
      `INSERT INTO ${quoted}.transactions (transaction_id, status, created_at, updated_at, available_at, payload)
       VALUES ($1, $2, $3, $3, $3, '{}')`,
      [`txn_v2_${i}`, status, new Date(Date.now() + i)],
    );
  }
  const store = schema.newStore();
  await store.ready();
  assert.deepEqual(await store.countByStatus(), { RECEIVED: 1, PROCESSING: 0, PROCESSED: 2, FAILED: 1 });
  assert.ok(await store.claim('txn_v2_3', 'w', 60_000));
  assert.ok(await store.complete('txn_v2_3', 'w'));
  assert.equal((await store.countByStatus()).PROCESSED, 3);
  assert.deepEqual(
    (await store.list({ filter: {}, limit: 2 })).map((r) => r.transactionId),
    ['txn_v2_3', 'txn_v2_2'],
  );
});

test('postgres store: a schema of the previous release loses the provider CHECK, keeping its rows and other checks', {
  skip,
}, async (t) => {
  const schema = freshSchema(t);
  const quoted = `"${schema.name}"`;
  const drop = POSTGRES_MIGRATIONS.findIndex((m) => m.name === 'providers are registered in code');
  assert.ok(drop > 0);
  await schema.migrateTo(drop);
  const insert = (id: string, provider: string | null, paymentStatus: string | null = null) =>
    adminPool().query(
      `INSERT INTO ${quoted}.transactions (transaction_id, status, created_at, updated_at, available_at, payload,
         provider, payment_status) VALUES ($1, 'RECEIVED', now(), now(), now(), '{}', $2, $3)`,
      [id, provider, paymentStatus],
    );
  await insert('old_razorpay', 'razorpay', 'captured');
  await insert('old_stripe', 'stripe');
  await assert.rejects(
    insert('new_payu', 'payu'),
    /transactions_provider_check/,
    'the constraint is named so',
  );

  const store = schema.newStore();
  await store.ready();
  assert.equal((await store.get('old_razorpay'))?.paymentStatus, 'captured');
  const payu = newTransaction({ provider: 'payu', paymentId: 'p_1', paymentStatus: 'failed' });
  assert.equal((await store.insertMany([payu]))[0]?.inserted, true);
  assert.equal((await store.get(payu.transactionId))?.provider, 'payu');
  await assert.rejects(insert('bad', 'paytm', 'settled'), /payment_status_check/, 'other checks stay');
  const { rows } = await adminPool().query<{ conname: string }>(
    `SELECT conname FROM pg_constraint WHERE conrelid = '${quoted}.transactions'::regclass AND contype = 'c'`,
  );
  assert.ok(!rows.some((r) => r.conname === 'transactions_provider_check'));
});

test('postgres store: a schema of the release before reconciliation gains received_via in place: its rows read webhook', {
  skip,
}, async (t) => {
  const schema = freshSchema(t);
  const quoted = `"${schema.name}"`;
  // Every migration before the one that adds received_via: the previous release's schema.
  const mine = POSTGRES_MIGRATIONS.findIndex((m) => m.sql.includes('ADD COLUMN received_via'));
  assert.ok(mine > 0);
  await schema.migrateTo(mine);
  const start = Date.now() - 10_000;
  for (let i = 0; i < 3; i++) {
    await adminPool().query(
      `INSERT INTO ${quoted}.transactions (transaction_id, status, created_at, updated_at, available_at, payload, provider)
       VALUES ($1, 'PROCESSED', $2, $2, $2, '{}', 'stripe')`,
      [`evt_old_${i}`, new Date(start + i)],
    );
  }
  const store = schema.newStore();
  await store.ready();
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
  // The column was added with a constant default: the catalog holds the value, no row was rewritten.
  const { rows } = await adminPool().query<{ atthasmissing: boolean }>(
    `SELECT a.atthasmissing FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = 'transactions' AND a.attname = 'received_via'`,
    [schema.name],
  );
  assert.equal(rows[0]?.atthasmissing, true);
});

test('postgres store: a schema of the release before retention keeps its rows and payloads, and retention works on them', {
  skip,
}, async (t) => {
  const schema = freshSchema(t);
  const quoted = `"${schema.name}"`;
  await schema.migrateTo(POSTGRES_MIGRATIONS.indexOf(POSTGRES_RETENTION_MIGRATION));
  const longAgo = Date.now() - 100 * 86_400_000;
  const statuses = ['PROCESSED', 'PROCESSED', 'FAILED', 'RECEIVED', 'PROCESSING'] as const;
  for (const [i, status] of statuses.entries()) {
    await adminPool().query(
      `INSERT INTO ${quoted}.transactions (transaction_id, status, created_at, updated_at, available_at, payload)
       VALUES ($1, $2, $3, $3, $3, $4)`,
      [`txn_old_${i}`, status, new Date(longAgo + i), `{"n":${i}}`],
    );
  }
  // What the earlier release's completions counted.
  await adminPool().query(`UPDATE ${quoted}.processed_count SET n = 2`);
  const store = schema.newStore();
  await store.ready();
  for (const i of statuses.keys()) assert.equal((await store.get(`txn_old_${i}`))?.payload, `{"n":${i}}`);
  assert.equal(await store.erasePayloads(new Date(longAgo + 1), 1000), 1, 'the oldest finished one');
  assert.equal((await store.get('txn_old_0'))?.payload, null);
  assert.equal(await store.deleteFinished(new Date(), 1000), 3);
  assert.deepEqual(await store.countByStatus(), { RECEIVED: 1, PROCESSING: 1, PROCESSED: 0, FAILED: 0 });
  assert.equal((await store.get('txn_old_3'))?.payload, '{"n":3}');
  const { rows } = await adminPool().query<{ indexname: string }>(
    `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname IN ('transactions_finished', 'transactions_payload_kept')`,
    [schema.name],
  );
  assert.equal(rows.length, 2);
});

test('postgres store: a schema of the release before attempts keeps its rows; numbering follows their attempts', {
  skip,
}, async (t) => {
  const schema = freshSchema(t);
  const quoted = `"${schema.name}"`;
  const mine = POSTGRES_MIGRATIONS.findIndex((m) => m.sql.includes('CREATE TABLE transaction_attempts'));
  assert.ok(mine > 0);
  await schema.migrateTo(mine);
  const now = Date.now();
  const at = (ms: number) => new Date(now + ms);
  const insert = (values: unknown[]) =>
    adminPool().query(
      `INSERT INTO ${quoted}.transactions (transaction_id, status, created_at, updated_at, processed_at, available_at,
         attempts, last_error, lease_owner, lease_expires_at, payload)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '{}')`,
      values,
    );
  await insert([
    'txn_done',
    'PROCESSED',
    at(-5000),
    at(-1000),
    at(-1000),
    at(-5000),
    2,
    'Error: busy',
    null,
    null,
  ]);
  await insert([
    'txn_waiting',
    'RECEIVED',
    at(-5000),
    at(-4000),
    null,
    at(-4000),
    2,
    'Error: busy',
    null,
    null,
  ]);
  await insert([
    'txn_orphan',
    'PROCESSING',
    at(-5000),
    at(-4000),
    null,
    at(-5000),
    1,
    null,
    'gone/1/x',
    at(-1),
  ]);
  await adminPool().query(`UPDATE ${quoted}.processed_count SET n = 1`);

  const store = schema.newStore();
  await store.ready();
  assert.equal((await store.get('txn_done'))?.lastError, null, 'a PROCESSED row keeps no last error');
  assert.equal((await store.get('txn_waiting'))?.lastError, 'Error: busy');
  const waiting = await store.claim('txn_waiting', 'w', 60_000);
  assert.equal(waiting?.attempt, 3, 'numbered after the two attempts made before the upgrade');
  const orphan = await store.claim('txn_orphan', 'w', 60_000);
  assert.equal(orphan?.reclaimed, true);
  assert.equal(orphan?.attempt, 2);
  assert.deepEqual(
    (await store.listAttempts('txn_orphan', 10)).map((a) => [a.attempt, a.outcome]),
    [[2, null]],
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
