/** One schema change of the PostgreSQL store. */
export interface PostgresMigration {
  /** Position in the history; strictly increasing, never reused or renumbered once released. */
  readonly version: number;
  /** A short description, recorded next to the version in `schema_migrations`. */
  readonly name: string;
  /**
   * The statements, run in one transaction with `search_path` set to the store's schema, so they
   * name tables without a schema. Kept in TypeScript because tsc would not copy .sql files to dist.
   */
  readonly sql: string;
}

/** Retention (see `SQLITE_RETENTION_MIGRATION` for the same choices on SQLite). */
export const POSTGRES_RETENTION_MIGRATION: PostgresMigration = {
  version: 7,
  name: 'retention: finished transactions and erased payloads',
  // An erased payload is marked by the time it was erased and its text emptied (as on SQLite,
  // where the column cannot lose its NOT NULL in place). Adding a nullable column without a
  // default changes only the catalog. The two partial indexes hold only finished transactions,
  // by their last change: what retention deletes, and what still has a payload to erase. Built
  // inside the migration's transaction, which blocks writes while they build; on a large table,
  // add the column and build them CONCURRENTLY by hand first (same names) and these statements
  // find them.
  sql: `
    ALTER TABLE transactions ADD COLUMN IF NOT EXISTS payload_erased_at timestamptz;
    CREATE INDEX IF NOT EXISTS transactions_finished
      ON transactions (updated_at) WHERE status IN ('PROCESSED', 'FAILED');
    CREATE INDEX IF NOT EXISTS transactions_payload_kept
      ON transactions (updated_at) WHERE status IN ('PROCESSED', 'FAILED') AND payload_erased_at IS NULL;
  `,
};

/**
 * Schema migrations for the PostgreSQL store, in order. `PostgresStore.ready()` applies the ones
 * missing from the schema's `schema_migrations` table under an advisory lock. Append new entries;
 * never edit one that has been released, since databases that ran it will not run it again.
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'create transactions',
    sql: `
      CREATE TABLE transactions (
        transaction_id      text PRIMARY KEY,
        source_account      text NOT NULL,
        destination_account text NOT NULL,
        amount              numeric NOT NULL,
        currency            text NOT NULL,
        status              text NOT NULL CHECK (status IN ('RECEIVED', 'PROCESSING', 'PROCESSED', 'FAILED')),
        created_at          timestamptz NOT NULL,
        updated_at          timestamptz NOT NULL,
        processed_at        timestamptz,
        attempts            integer NOT NULL DEFAULT 0,
        available_at        timestamptz NOT NULL,
        lease_owner         text,
        lease_expires_at    timestamptz,
        last_error          text,
        delivery_id         text,
        request_id          text,
        payload             text NOT NULL
      );
      -- The recovery sweep scans only these two small subsets; finished rows stay out of both indexes.
      CREATE INDEX transactions_received_due ON transactions (available_at) WHERE status = 'RECEIVED';
      CREATE INDEX transactions_lease_due ON transactions (lease_expires_at) WHERE status = 'PROCESSING';
    `,
  },
  {
    version: 2,
    name: 'provider events',
    // Adding nullable columns without a default and dropping NOT NULL change only the catalog: no
    // table rewrite, however many rows. The index is built inside the migration's transaction,
    // which blocks writes while it builds; on a large table, build it CONCURRENTLY by hand first
    // (same name) and this statement finds it.
    sql: `
      ALTER TABLE transactions
        ALTER COLUMN source_account DROP NOT NULL,
        ALTER COLUMN destination_account DROP NOT NULL,
        ALTER COLUMN amount DROP NOT NULL,
        ALTER COLUMN currency DROP NOT NULL,
        ADD COLUMN provider text CHECK (provider IN ('razorpay', 'stripe')),
        ADD COLUMN event_type text,
        ADD COLUMN payment_id text,
        ADD COLUMN payment_status text
          CHECK (payment_status IN ('failed', 'authorized', 'captured', 'partially_refunded', 'refunded'));
      CREATE INDEX IF NOT EXISTS transactions_payment ON transactions (payment_id) WHERE payment_id IS NOT NULL;
    `,
  },
  {
    version: 3,
    name: 'operators: list, stats and bulk retry',
    // The list reads every filter through an index in its own order (newest first, then
    // transaction_id compared byte by byte, whatever the database's collation), so a page costs the
    // same wherever it lies. The status index carries the provider, so the open statuses are counted
    // per provider from the index alone; the provider and event type indexes are partial, so
    // original-contract webhooks do not pay for them; the FAILED one holds only failures. PROCESSED
    // only grows, so completions are counted as they are recorded (shards spread concurrent workers
    // over several rows) rather than by scanning a million rows. Built inside the migration's
    // transaction, which blocks writes while they build; on a large table, build them CONCURRENTLY by
    // hand first (same names) and these statements find them. Processes of an earlier version do not
    // count their completions: stop earlier workers before this migration runs.
    sql: `
      CREATE INDEX IF NOT EXISTS transactions_created ON transactions (created_at, transaction_id COLLATE "C");
      CREATE INDEX IF NOT EXISTS transactions_status
        ON transactions (status, created_at, transaction_id COLLATE "C") INCLUDE (provider);
      CREATE INDEX IF NOT EXISTS transactions_provider
        ON transactions (provider, created_at, transaction_id COLLATE "C") WHERE provider IS NOT NULL;
      CREATE INDEX IF NOT EXISTS transactions_event_type
        ON transactions (event_type, created_at, transaction_id COLLATE "C") WHERE event_type IS NOT NULL;
      CREATE INDEX IF NOT EXISTS transactions_failed ON transactions (updated_at) WHERE status = 'FAILED';
      CREATE TABLE processed_count (shard integer PRIMARY KEY, n bigint NOT NULL);
      INSERT INTO processed_count (shard, n) SELECT 0, count(*) FROM transactions WHERE status = 'PROCESSED';
    `,
  },
  {
    version: 4,
    name: 'providers are registered in code',
    // The CHECK listing the providers' names goes: a provider is a folder and a line in the
    // registry, and the code checks names where they enter. PostgreSQL named the column's
    // constraint <table>_<column>_check. Dropping a constraint changes only the catalog (no scan,
    // no rewrite), under a brief ACCESS EXCLUSIVE lock.
    sql: `
      ALTER TABLE transactions DROP CONSTRAINT IF EXISTS transactions_provider_check;
    `,
  },
  {
    version: 5,
    name: 'received via',
    // A column with a constant default changes only the catalog (PostgreSQL 11 and later): existing
    // rows read 'webhook' without being rewritten. The partial index holds only the rare recovered
    // rows, so webhooks never pay for it; building it reads the table once, inside the migration's
    // transaction (writes wait meanwhile): on a large table, build it CONCURRENTLY by hand first
    // (same name) and this statement finds it.
    sql: `
      ALTER TABLE transactions ADD COLUMN received_via text NOT NULL DEFAULT 'webhook';
      CREATE INDEX IF NOT EXISTS transactions_reconciled
        ON transactions (created_at, transaction_id COLLATE "C") WHERE received_via = 'reconciliation';
    `,
  },
  {
    version: 6,
    name: 'reconciliation',
    // One row per provider: its lease (owner and expiry, taken with one conditional statement), when
    // its next run is due, the Stripe watermark and the latest run; and the mismatches of each
    // provider's last complete run, read largest amount first.
    sql: `
      CREATE TABLE reconcile_state (
        provider             text PRIMARY KEY,
        lease_owner          text,
        lease_expires_at     timestamptz,
        next_run_at          timestamptz NOT NULL DEFAULT '-infinity',
        watermark            timestamptz,
        run_started_at       timestamptz,
        run_finished_at      timestamptz,
        run_checked          integer,
        run_recovered        integer,
        run_mismatches       integer,
        run_error            text,
        last_success_at      timestamptz,
        consecutive_failures integer NOT NULL DEFAULT 0,
        mismatch_count       integer NOT NULL DEFAULT 0
      );
      CREATE TABLE reconcile_mismatches (
        provider        text NOT NULL,
        payment_id      text NOT NULL,
        provider_status text,
        derived_status  text,
        amount          bigint NOT NULL,
        currency        text,
        created_at      timestamptz NOT NULL,
        PRIMARY KEY (provider, payment_id)
      );
      CREATE INDEX reconcile_mismatches_amount ON reconcile_mismatches (amount DESC, provider, payment_id COLLATE "C");
    `,
  },
  POSTGRES_RETENTION_MIGRATION,
  {
    version: 8,
    name: 'attempts, replay and the timeline',
    // Each run of the handler is a row of transaction_attempts, opened by the claim's statement and
    // closed by the outcome's. last_attempt numbers a transaction's attempts across replays, which
    // reset attempts (the retry budget); a row claimed before this migration takes its number from
    // attempts, so no row is rewritten here (a column with a constant default changes the catalog
    // only). Reaching PROCESSED is counted by its time through a partial index that only PROCESSED
    // rows pay for; built inside the migration's transaction, which blocks writes while it builds (on
    // a large table, build it CONCURRENTLY by hand first, same name). A PROCESSED transaction's
    // last_error is cleared by its completion from now on: clear it on rows completed before (one
    // read of the table, a write only where an error was kept).
    sql: `
      ALTER TABLE transactions ADD COLUMN last_attempt integer NOT NULL DEFAULT 0;
      CREATE TABLE transaction_attempts (
        transaction_id   text NOT NULL,
        attempt          integer NOT NULL,
        started_at       timestamptz NOT NULL,
        finished_at      timestamptz,
        duration_ms      integer,
        outcome          text,
        error            text,
        http_status      integer,
        response_excerpt text,
        PRIMARY KEY (transaction_id, attempt)
      );
      CREATE INDEX IF NOT EXISTS transactions_processed ON transactions (processed_at) WHERE status = 'PROCESSED';
      UPDATE transactions SET last_error = NULL WHERE status = 'PROCESSED' AND last_error IS NOT NULL;
    `,
  },
];
