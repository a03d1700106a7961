import Database from 'better-sqlite3';

/**
 * One schema change of the SQLite store: SQL statements, or a function for a change SQL alone
 * cannot make. Each runs inside the transaction that applies the pending migrations, so a failure
 * leaves the file as it was.
 */
export type SqliteMigration = string | ((db: Database.Database) => void);

/** Applies one migration to `db`. */
export function applySqliteMigration(db: Database.Database, migration: SqliteMigration): void {
  if (typeof migration === 'string') db.exec(migration);
  else migration(db);
}

/** The CHECK that listed the providers' names, as the provider-events migration wrote it. */
const PROVIDER_CHECK = /\s+CHECK\s*\(\s*provider\s+IN\s*\(\s*'razorpay'\s*,\s*'stripe'\s*\)\s*\)/gi;

/** Each column's name, declared type, NOT NULL and default, as `PRAGMA table_info` states them. */
const columnsOf = (db: Database.Database, table: string): unknown[] =>
  db
    .prepare(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid`)
    .all(table);

/**
 * Drops the CHECK constraint on `transactions.provider`, so that any registered provider's name
 * can be stored without a migration per provider (the code checks names where they enter).
 *
 * SQLite has no ALTER TABLE for an unnamed constraint. Its documentation (lang_altertable.html,
 * "making other kinds of table schema changes") describes two ways: rebuild the table, which
 * copies every row and rebuilds every index (minutes and twice the disk on a large file), or edit
 * the table's CREATE statement in `sqlite_schema` with `PRAGMA writable_schema`, which is instant
 * whatever the size and is safe for a change that cannot make stored content invalid, as removing
 * a CHECK cannot. This does the latter, with the documentation's steps: in the migrations'
 * transaction, the statement is edited, the schema version is incremented (so other connections
 * to the file, another process's included, reload the schema) and the schema reloaded here.
 *
 * Guarded because a wrong edit would leave a file whose schema does not parse: the edited
 * statement must match the constraint exactly once and is first run on a scratch in-memory
 * database, which must give the same columns; after the edit the table is read back through the
 * reloaded schema, and any failure rolls the whole transaction back. better-sqlite3 opens
 * connections in SQLite's defensive mode, which forbids writing the schema; it is lifted for
 * these statements only. A file whose CHECK is already gone is left alone.
 */
export function dropProviderCheck(db: Database.Database): void {
  const read = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'transactions'");
  const sql = (read.get() as { sql: string } | undefined)?.sql;
  if (sql === undefined) throw new Error('the transactions table is missing');
  const found = sql.match(PROVIDER_CHECK)?.length ?? 0;
  if (found === 0) return;
  if (found > 1) throw new Error('the provider CHECK appears more than once in the table definition');
  const edited = sql.replace(PROVIDER_CHECK, '');
  const before = columnsOf(db, 'transactions');

  const scratch = new Database(':memory:');
  try {
    scratch.exec(edited);
    if (JSON.stringify(columnsOf(scratch, 'transactions')) !== JSON.stringify(before)) {
      throw new Error('dropping the provider CHECK would change the columns');
    }
  } finally {
    scratch.close();
  }

  const version = db.pragma('schema_version', { simple: true }) as number;
  db.unsafeMode(true);
  try {
    db.pragma('writable_schema = ON');
    db.prepare("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'transactions'").run(edited);
    db.pragma(`schema_version = ${version + 1}`);
  } finally {
    // RESET also reloads this connection's schema from the edited text.
    db.pragma('writable_schema = RESET');
    db.unsafeMode(false);
  }
  if (read.get() === undefined || JSON.stringify(columnsOf(db, 'transactions')) !== JSON.stringify(before)) {
    throw new Error('the transactions table reads differently after dropping the provider CHECK');
  }
}

/**
 * Retention. An erased payload is marked by the time it was erased (`payload_erased_at`) and its
 * text emptied: SQLite cannot drop the column's NOT NULL without rebuilding the table, which copies
 * every row (15 s for a million rows, measured), while adding a nullable column only edits the
 * schema (0.02 s). Two partial indexes hold only finished transactions, by their last change: what
 * retention deletes, and what still has a payload to erase; a completion adds its row to both at
 * their right-hand end, and RECEIVED and PROCESSING rows are in neither. The whole migration took
 * 1.3 s on a million rows (590 MB; 1.5 s with the store opening the file).
 */
export const SQLITE_RETENTION_MIGRATION = `ALTER TABLE transactions ADD COLUMN payload_erased_at INTEGER;
   CREATE INDEX transactions_finished ON transactions (updated_at) WHERE status IN ('PROCESSED', 'FAILED');
   CREATE INDEX transactions_payload_kept ON transactions (updated_at)
     WHERE status IN ('PROCESSED', 'FAILED') AND payload_erased_at IS NULL;`;

/**
 * Schema migrations for the SQLite store, applied in order at start. `PRAGMA user_version` records
 * how many have run, so each runs once per database file.
 */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  // A rowid table with a unique index rather than a table clustered on transaction_id: providers'
  // ids are random, and each random insert into a clustered table rewrites a page of whole rows,
  // where the index only rewrites a page of short keys (measured about half the CPU per insert).
  `CREATE TABLE transactions (
     transaction_id      TEXT NOT NULL UNIQUE,
     source_account      TEXT NOT NULL,
     destination_account TEXT NOT NULL,
     amount              TEXT NOT NULL,
     currency            TEXT NOT NULL,
     status              TEXT NOT NULL CHECK (status IN ('RECEIVED','PROCESSING','PROCESSED','FAILED')),
     created_at          INTEGER NOT NULL,
     updated_at          INTEGER NOT NULL,
     processed_at        INTEGER,
     attempts            INTEGER NOT NULL DEFAULT 0,
     available_at        INTEGER NOT NULL,
     lease_owner         TEXT,
     lease_expires_at    INTEGER,
     last_error          TEXT,
     delivery_id         TEXT,
     request_id          TEXT,
     payload             TEXT NOT NULL
   );
   CREATE INDEX transactions_received_due ON transactions (available_at) WHERE status = 'RECEIVED';
   CREATE INDEX transactions_lease_due ON transactions (lease_expires_at) WHERE status = 'PROCESSING';`,
  // Provider events: what the event means, and the original contract's fields become optional (a
  // provider's event states no accounts, and a subscription event no amount). SQLite cannot drop a
  // NOT NULL constraint, so the table is rebuilt, keeping every row and its rowid.
  `CREATE TABLE transactions_v2 (
     transaction_id      TEXT NOT NULL UNIQUE,
     source_account      TEXT,
     destination_account TEXT,
     amount              TEXT,
     currency            TEXT,
     status              TEXT NOT NULL CHECK (status IN ('RECEIVED','PROCESSING','PROCESSED','FAILED')),
     created_at          INTEGER NOT NULL,
     updated_at          INTEGER NOT NULL,
     processed_at        INTEGER,
     attempts            INTEGER NOT NULL DEFAULT 0,
     available_at        INTEGER NOT NULL,
     lease_owner         TEXT,
     lease_expires_at    INTEGER,
     last_error          TEXT,
     delivery_id         TEXT,
     request_id          TEXT,
     payload             TEXT NOT NULL,
     provider            TEXT CHECK (provider IN ('razorpay','stripe')),
     event_type          TEXT,
     payment_id          TEXT,
     payment_status      TEXT
       CHECK (payment_status IN ('failed','authorized','captured','partially_refunded','refunded'))
   );
   INSERT INTO transactions_v2 (rowid, transaction_id, source_account, destination_account, amount, currency,
       status, created_at, updated_at, processed_at, attempts, available_at, lease_owner, lease_expires_at,
       last_error, delivery_id, request_id, payload)
     SELECT rowid, transaction_id, source_account, destination_account, amount, currency,
       status, created_at, updated_at, processed_at, attempts, available_at, lease_owner, lease_expires_at,
       last_error, delivery_id, request_id, payload
     FROM transactions;
   DROP TABLE transactions;
   ALTER TABLE transactions_v2 RENAME TO transactions;
   CREATE INDEX transactions_received_due ON transactions (available_at) WHERE status = 'RECEIVED';
   CREATE INDEX transactions_lease_due ON transactions (lease_expires_at) WHERE status = 'PROCESSING';
   CREATE INDEX transactions_payment ON transactions (payment_id) WHERE payment_id IS NOT NULL;`,
  // Operators' list, stats and bulk retry. The list reads every filter through an index in its
  // own order (newest first, then transaction_id), so a page costs the same wherever it lies: one
  // for all rows, one per status (provider last, so counting the open statuses per provider reads
  // the index alone), and partial ones for provider events, which original-contract webhooks do not
  // pay for. New rows land at the right-hand end of each, a few pages per commit. FAILED rows carry
  // their failure time (updated_at) in a partial index that only failures pay for. PROCESSED only
  // grows, so it is counted as completions are recorded rather than by scanning a million rows.
  `CREATE INDEX transactions_created ON transactions (created_at, transaction_id);
   CREATE INDEX transactions_status ON transactions (status, created_at, transaction_id, provider);
   CREATE INDEX transactions_provider ON transactions (provider, created_at, transaction_id)
     WHERE provider IS NOT NULL;
   CREATE INDEX transactions_event_type ON transactions (event_type, created_at, transaction_id)
     WHERE event_type IS NOT NULL;
   CREATE INDEX transactions_failed ON transactions (updated_at) WHERE status = 'FAILED';
   CREATE TABLE processed_count (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
   INSERT INTO processed_count (id, n) SELECT 1, count(*) FROM transactions WHERE status = 'PROCESSED';`,
  // Providers are registered in code, not listed in the schema: adding one needs no migration.
  dropProviderCheck,
  // How each event arrived. A column with a constant default is added to the schema alone (old rows
  // read the default without being rewritten), so this is instant however large the table; the
  // index holds only the rare recovered rows, so webhooks never pay for it and the list's filter on
  // reconciliation reads it in the list's order. Building it reads the table once.
  `ALTER TABLE transactions ADD COLUMN received_via TEXT NOT NULL DEFAULT 'webhook';
   CREATE INDEX transactions_reconciled ON transactions (created_at, transaction_id)
     WHERE received_via = 'reconciliation';`,
  // Reconciliation: one row per provider holding its lease (owner and expiry, taken with one
  // conditional statement), when its next run is due, the Stripe watermark and the latest run; and
  // the mismatches of each provider's last complete run, read largest amount first.
  `CREATE TABLE reconcile_state (
     provider             TEXT PRIMARY KEY,
     lease_owner          TEXT,
     lease_expires_at     INTEGER,
     next_run_at          INTEGER NOT NULL DEFAULT 0,
     watermark            INTEGER,
     run_started_at       INTEGER,
     run_finished_at      INTEGER,
     run_checked          INTEGER,
     run_recovered        INTEGER,
     run_mismatches       INTEGER,
     run_error            TEXT,
     last_success_at      INTEGER,
     consecutive_failures INTEGER NOT NULL DEFAULT 0,
     mismatch_count       INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE reconcile_mismatches (
     provider        TEXT NOT NULL,
     payment_id      TEXT NOT NULL,
     provider_status TEXT,
     derived_status  TEXT,
     amount          INTEGER NOT NULL,
     currency        TEXT,
     created_at      INTEGER NOT NULL,
     PRIMARY KEY (provider, payment_id)
   );
   CREATE INDEX reconcile_mismatches_amount ON reconcile_mismatches (amount DESC, provider, payment_id);`,
  SQLITE_RETENTION_MIGRATION,
  // Attempts, replay and the timeline. Each run of the handler is a row of transaction_attempts,
  // opened by the claim and closed by the outcome in the same transaction. A rowid table with a
  // unique index, for the reason given at the first migration: attempts of random ids land at the
  // table's end and only the short index keys go in at random places. last_attempt numbers a
  // transaction's attempts across replays, which reset attempts (the retry budget); a row claimed
  // before this migration takes its number from attempts, so no row has to be rewritten here (the
  // column's default changes only the schema). Reaching PROCESSED is counted by its time through a
  // partial index that only PROCESSED rows pay for (received and failed already have theirs). A
  // PROCESSED transaction's last_error is cleared by its completion from now on: clear it on the
  // rows completed before (a read of the table, a write only where an error was kept).
  `ALTER TABLE transactions ADD COLUMN last_attempt INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE transaction_attempts (
     transaction_id   TEXT NOT NULL,
     attempt          INTEGER NOT NULL,
     started_at       INTEGER NOT NULL,
     finished_at      INTEGER,
     duration_ms      INTEGER,
     outcome          TEXT,
     error            TEXT,
     http_status      INTEGER,
     response_excerpt TEXT
   );
   CREATE UNIQUE INDEX transaction_attempts_number ON transaction_attempts (transaction_id, attempt);
   CREATE INDEX transactions_processed ON transactions (processed_at) WHERE status = 'PROCESSED';
   UPDATE transactions SET last_error = NULL WHERE status = 'PROCESSED' AND last_error IS NOT NULL;`,
];
