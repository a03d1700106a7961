/**
 * Schema migrations for the SQLite store, applied in order at start. `PRAGMA user_version` records
 * how many have run, so each runs once per database file.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE transactions (
     transaction_id      TEXT PRIMARY KEY,
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
   ) WITHOUT ROWID;
   CREATE INDEX transactions_received_due ON transactions (available_at) WHERE status = 'RECEIVED';
   CREATE INDEX transactions_lease_due ON transactions (lease_expires_at) WHERE status = 'PROCESSING';`,
];
