import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import {
  applySqliteMigration,
  dropProviderCheck,
  SQLITE_MIGRATIONS,
} from '../../src/store/sqlite/sqlite-migrations.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { newTransaction } from '../helpers/sample-transaction.js';
import { tempDir } from '../helpers/temp-dir.js';

/** The migrations of the release before: everything up to the one that drops the CHECK. */
const PREVIOUS = SQLITE_MIGRATIONS.slice(0, SQLITE_MIGRATIONS.indexOf(dropProviderCheck));

const INSERT = `INSERT INTO transactions (transaction_id, status, created_at, updated_at, available_at, payload, provider,
   event_type, payment_id, payment_status) VALUES (?, 'RECEIVED', ?, ?, ?, '{}', ?, ?, ?, ?)`;

/** A file as the previous release leaves it, holding an original-contract row and one per provider. */
function previousRelease(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.transaction(() => {
    for (const migration of PREVIOUS) applySqliteMigration(db, migration);
  })();
  db.pragma(`user_version = ${PREVIOUS.length}`);
  const insert = db.prepare(INSERT);
  const now = Date.now();
  insert.run('old_plain', now, now, now, null, null, null, null);
  insert.run('old_razorpay', now + 1, now + 1, now + 1, 'razorpay', 'payment.captured', 'pay_1', 'captured');
  insert.run('old_stripe', now + 2, now + 2, now + 2, 'stripe', 'charge.failed', 'pi_1', 'failed');
  return db;
}

const tableSql = (db: Database.Database) =>
  db
    .prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'transactions'")
    .pluck()
    .get() as string;

test('sqlite store: a file of the previous release loses the provider CHECK in place, keeping its rows, rowids and other checks', async (t) => {
  const path = join(tempDir(t), 'previous.db');
  const previous = previousRelease(path);
  const now = Date.now();
  assert.throws(
    () => previous.prepare(INSERT).run('new_payu', now, now, now, 'payu', 'success', 'p1', 'captured'),
    /CHECK constraint failed/,
    'the previous release refuses a name its CHECK does not list',
  );
  const rowids = previous.prepare('SELECT rowid, transaction_id FROM transactions ORDER BY rowid').all();
  // Another process's connection, open since before the upgrade, with the old schema loaded.
  const other = new Database(path);
  t.after(() => other.close());
  other.prepare('SELECT count(*) FROM transactions').get();
  previous.close();

  const store = new SqliteStore({ path, synchronous: 'FULL' });
  await store.ready();
  t.after(() => store.close());
  assert.equal((await store.get('old_razorpay'))?.provider, 'razorpay');
  assert.equal((await store.get('old_stripe'))?.paymentStatus, 'failed');
  assert.equal((await store.get('old_plain'))?.provider, null);
  const cashfree = newTransaction({ provider: 'cashfree', paymentId: 'cf_1', paymentStatus: 'captured' });
  assert.equal((await store.insertMany([cashfree]))[0]?.inserted, true);
  assert.deepEqual(
    (await store.list({ filter: { provider: 'cashfree' }, limit: 5 })).map((r) => r.transactionId),
    [cashfree.transactionId],
  );
  assert.deepEqual((await store.stats(new Date())).byProvider.cashfree, {
    RECEIVED: 1,
    PROCESSING: 0,
    FAILED: 0,
  });

  // The schema version moved, so the other process's connection reloads the schema and sees no CHECK.
  other.prepare(INSERT).run('other_paytm', now, now, now, 'paytm', 'TXN_SUCCESS', 'T1', 'captured');
  assert.equal((await store.get('other_paytm'))?.provider, 'paytm');

  const check = new Database(path, { readonly: true });
  t.after(() => check.close());
  const sql = tableSql(check);
  assert.doesNotMatch(sql, /razorpay|stripe/, 'no provider is named in the schema');
  assert.match(sql, /provider\s+TEXT,/);
  assert.match(
    sql,
    /CHECK \(status IN \('RECEIVED','PROCESSING','PROCESSED','FAILED'\)\)/,
    'other checks stay',
  );
  assert.match(sql, /CHECK \(payment_status IN/);
  assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
  assert.equal(check.pragma('user_version', { simple: true }), SQLITE_MIGRATIONS.length);
  assert.deepEqual(
    check.prepare('SELECT rowid, transaction_id FROM transactions WHERE rowid <= 3 ORDER BY rowid').all(),
    rowids,
  );
  assert.throws(
    () => other.prepare(INSERT).run('bad_status', now, now, now, 'payu', 'x', 'p', 'settled'),
    /CHECK constraint failed/,
    'payment_status keeps its CHECK',
  );
});

test('sqlite store: the migration is a no-op on a file without the CHECK, and leaves a file it cannot edit safely as it was', async (t) => {
  const dir = tempDir(t);
  // A fresh file runs every migration; opening it again runs none.
  const fresh = new SqliteStore({ path: join(dir, 'fresh.db'), synchronous: 'NORMAL' });
  await fresh.ready();
  await fresh.close();
  const db = new Database(join(dir, 'fresh.db'));
  const before = tableSql(db);
  db.transaction(() => dropProviderCheck(db))();
  assert.equal(tableSql(db), before);
  db.close();

  // A table whose definition states the CHECK twice is not edited, and the file stays at its version.
  const path = join(dir, 'odd.db');
  const odd = new Database(path);
  for (const migration of PREVIOUS) applySqliteMigration(odd, migration);
  const twice = tableSql(odd).replace(
    'payment_id          TEXT,',
    "payment_id          TEXT CHECK (provider IN ('razorpay','stripe')),",
  );
  odd.exec('DROP TABLE transactions');
  odd.exec(twice);
  odd.pragma(`user_version = ${PREVIOUS.length}`);
  odd.close();
  const store = new SqliteStore({ path, synchronous: 'NORMAL' });
  await assert.rejects(store.ready(), /more than once/);
  await store.close();
  const after = new Database(path, { readonly: true });
  t.after(() => after.close());
  assert.equal(after.pragma('user_version', { simple: true }), PREVIOUS.length);
  assert.equal(tableSql(after), twice);
});
