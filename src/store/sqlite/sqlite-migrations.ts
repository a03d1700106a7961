/**
 * Schema migrations for the SQLite store, applied in order at start. `PRAGMA user_version` records
 * how many have run, so each runs once per database file.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
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
