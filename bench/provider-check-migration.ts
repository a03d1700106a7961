/**
 * Times the migration that drops the provider CHECK on a store of the previous release holding
 * `--rows` transactions (1,000,000): on SQLite the instant schema edit the store applies, next to
 * the table rebuild SQLite's documentation offers as the other way (for comparison only), and on
 * PostgreSQL the store's `ALTER TABLE … DROP CONSTRAINT`. Not part of `npm run bench`: a schema
 * change runs once per deployment, not per webhook.
 *
 *   node dist/bench/provider-check-migration.js [--rows 1000000] [--no-postgres]
 *
 * Uses a temporary directory and, for PostgreSQL, a schema of its own in TEST_DATABASE_URL's
 * database (default postgres://postgres@127.0.0.1:5432/test), dropped at the end.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { POSTGRES_MIGRATIONS } from '../src/store/postgres/postgres-migrations.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import {
  applySqliteMigration,
  dropProviderCheck,
  SQLITE_MIGRATIONS,
} from '../src/store/sqlite/sqlite-migrations.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    'no-postgres': { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
const PAYLOAD = JSON.stringify({ entity: 'event', event: 'payment.captured', padding: 'x'.repeat(600) });
const PROVIDERS = ['razorpay', 'stripe', null] as const;

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/** A SQLite file as the previous release leaves it, holding `ROWS` transactions. */
function previousSqlite(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const previous = SQLITE_MIGRATIONS.slice(0, SQLITE_MIGRATIONS.indexOf(dropProviderCheck));
  db.transaction(() => {
    for (const migration of previous) applySqliteMigration(db, migration);
  })();
  const insert = db.prepare(
    `INSERT INTO transactions (transaction_id, status, created_at, updated_at, available_at, payload, provider,
       event_type, payment_id) VALUES (?, 'PROCESSED', ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    const base = Date.now() - ROWS;
    for (let i = 0; i < ROWS; i++) {
      const provider = PROVIDERS[i % 3]!;
      insert.run(
        `evt_${i}`,
        base + i,
        base + i,
        base + i,
        PAYLOAD,
        provider,
        provider && 'payment.captured',
        `pay_${i}`,
      );
    }
  })();
  db.pragma(`user_version = ${previous.length}`);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** The other way: a new table without the CHECK, every row copied, the indexes built again. */
function rebuildTable(path: string): void {
  const db = new Database(path);
  const sql = db
    .prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'transactions'")
    .pluck()
    .get() as string;
  const indexes = db
    .prepare(
      "SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'transactions' AND sql IS NOT NULL",
    )
    .pluck()
    .all() as string[];
  db.transaction(() => {
    db.exec(
      sql
        .replace(/CHECK\s*\(\s*provider\s+IN\s*\([^)]*\)\s*\)/i, '')
        .replace(/CREATE TABLE "?transactions"?/, 'CREATE TABLE transactions_rebuilt'),
    );
    db.exec('INSERT INTO transactions_rebuilt SELECT * FROM transactions');
    db.exec('DROP TABLE transactions');
    db.exec('ALTER TABLE transactions_rebuilt RENAME TO transactions');
    for (const index of indexes) db.exec(index);
  })();
  db.close();
}

async function sqlite(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'provider-check-'));
  try {
    const path = join(dir, 'edit.db');
    let start = process.hrtime.bigint();
    previousSqlite(path);
    console.log(
      `sqlite: ${ROWS} rows of the previous release written in ${seconds(start).toFixed(1)} s (${(statSync(path).size / 1e6).toFixed(0)} MB)`,
    );
    start = process.hrtime.bigint();
    const store = new SqliteStore({ path, synchronous: 'FULL' });
    await store.ready();
    const opened = seconds(start);
    await store.close();
    console.log(`sqlite: store opened and migrated (schema edit) in ${(opened * 1000).toFixed(1)} ms`);

    const copy = join(dir, 'rebuild.db');
    previousSqlite(copy);
    start = process.hrtime.bigint();
    rebuildTable(copy);
    console.log(
      `sqlite: the same change as a table rebuild took ${seconds(start).toFixed(1)} s (for comparison)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgres(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_provider_check_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const drop = POSTGRES_MIGRATIONS.findIndex((m) => m.name === 'providers are registered in code');
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.query(
      `CREATE TABLE "${schema}".schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)`,
    );
    let start = process.hrtime.bigint();
    for (const migration of POSTGRES_MIGRATIONS.slice(0, drop)) {
      await admin.query(`SET search_path TO "${schema}"; ${migration.sql}; RESET search_path;`);
      await admin.query(`INSERT INTO "${schema}".schema_migrations VALUES ($1, $2, now())`, [
        migration.version,
        migration.name,
      ]);
    }
    await admin.query(
      `INSERT INTO "${schema}".transactions (transaction_id, status, created_at, updated_at, available_at, payload,
         provider, event_type, payment_id)
       SELECT 'evt_' || i, 'PROCESSED', now() - i * interval '1 ms', now(), now(), $1,
              (ARRAY['razorpay', 'stripe', NULL])[1 + i % 3], 'payment.captured', 'pay_' || i
       FROM generate_series(1, $2) AS i`,
      [PAYLOAD, ROWS],
    );
    await admin.query(`ANALYZE "${schema}".transactions`);
    console.log(`postgres: ${ROWS} rows of the previous release written in ${seconds(start).toFixed(1)} s`);
    start = process.hrtime.bigint();
    const store = new PostgresStore({ connectionString: url, schema, poolSize: 2 });
    await store.ready();
    const opened = seconds(start);
    await store.close();
    console.log(`postgres: store opened and migrated (DROP CONSTRAINT) in ${(opened * 1000).toFixed(1)} ms`);
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

await sqlite();
if (!args['no-postgres']) await postgres();
