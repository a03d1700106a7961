import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { PaymentStatus } from '../../domain/payment-status.js';
import type { Provider } from '../../domain/provider-event.js';
import type { PaymentMismatch, ReconcileStatus } from '../../domain/reconciliation.js';
import { isReplayable, type ReplaySelection } from '../../domain/replay.js';
import { mergeTimelineCounts, type TimelineCounts, type TimelineQuery } from '../../domain/timeline.js';
import {
  FINISHED_STATUSES,
  type NewTransaction,
  type ReceivedVia,
  receivedRecord,
  type TransactionRecord,
  type TransactionStatus,
} from '../../domain/transaction.js';
import {
  type AttemptOutcome,
  type AttemptResponse,
  LEASE_EXPIRED_ERROR,
  NO_RESPONSE,
  RELEASED_AT_SHUTDOWN_ERROR,
  type TransactionAttempt,
} from '../../domain/transaction-attempt.js';
import type {
  RetrySelection,
  TransactionListQuery,
  TransactionStats,
  TransactionSummary,
} from '../../domain/transaction-query.js';
import { KeyedCallBatchers } from '../call-batcher.js';
import { type OpenCount, statsFrom, statusCounts } from '../open-counts.js';
import { listClauses, SqlConditions, type SqlDialect } from '../sql-filter.js';
import type {
  Claim,
  DueQuery,
  DueTransaction,
  InsertOutcome,
  PayloadErasure,
  ReconcileLease,
  ReconcileRunRecord,
  ReplayBatch,
  ReplayBatchQuery,
  StorageSize,
  TransactionStore,
} from '../transaction-store.js';
import { applySqliteMigration, SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import { WalCheckpointer } from './sqlite-wal-checkpointer.js';
import { WalSync } from './sqlite-wal-sync.js';

/** Pause between two background checkpoints. */
const CHECKPOINT_INTERVAL_MS = 50;
/**
 * WAL pages (of 4 KiB) after which a commit checkpoints by itself; SQLite's default is 1,000. Well
 * above what the WAL grows by between two background rounds, so the background thread does nearly
 * all the copying (measured: 13.0k webhooks/s with SQLite's default, 14.5-15.2k with the thread).
 */
const AUTOCHECKPOINT_PAGES = 10_000;

/**
 * Page cache of each connection, in KiB (SQLite's own default; better-sqlite3 builds with 16 MiB).
 * When an insert splits a B-tree page, SQLite briefly renumbers a cached page to a page number
 * beyond the end of the file, and the commit then walks the whole page cache to drop pages past the
 * end: with random ids that is nearly every commit, and its cost grows with the cache. Measured
 * under fresh-id load: 4.6% of the event loop with 16 MiB, 0.8% with 2 MiB, and no visible cost in
 * extra reads (the operating system's page cache serves them).
 */
const CACHE_KIB = 2000;

/**
 * Rows per retention batch. Statements run on the event loop, and each deleted row costs a page of
 * the unique index of random transaction ids (and its write to the WAL): on a million rows a batch
 * of 1,000 took 45 to 67 ms (median), of 250 11 ms, of 100 3.5 ms, measured by hand. Webhooks
 * arriving during a batch wait for it, so batches stay small.
 */
const RETENTION_BATCH = 100;

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file; its directory is created if missing. `:memory:` works for one process. */
  path: string;
  /**
   * `FULL` (default) syncs the WAL to disk at every commit, so an acknowledged webhook survives power
   * loss; `NORMAL` survives a process crash but not an OS crash, and commits faster.
   */
  synchronous: 'FULL' | 'NORMAL';
  /**
   * Whether claims and outcomes write the attempts history. Default true; false exists only so the
   * bench can measure what the history costs per transaction.
   */
  recordAttempts?: boolean;
}

interface SummaryRow {
  transaction_id: string;
  source_account: string | null;
  destination_account: string | null;
  amount: string | null;
  currency: string | null;
  status: TransactionStatus;
  created_at: number;
  updated_at: number;
  processed_at: number | null;
  attempts: number;
  available_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_error: string | null;
  delivery_id: string | null;
  request_id: string | null;
  provider: Provider | null;
  event_type: string | null;
  payment_id: string | null;
  payment_status: PaymentStatus | null;
  received_via: ReceivedVia;
}

interface Row extends SummaryRow {
  payload: string;
  /** Set once the payload was erased (its text is then empty). */
  payload_erased_at: number | null;
  last_attempt: number;
}

interface AttemptRow {
  transaction_id: string;
  attempt: number;
  started_at: number;
  finished_at: number | null;
  duration_ms: number | null;
  outcome: AttemptOutcome | null;
  error: string | null;
  http_status: number | null;
  response_excerpt: string | null;
}

/** The parameters of the statement that closes an attempt. */
interface AttemptEnd {
  id: string;
  attempt: number;
  now: number;
  outcome: AttemptOutcome;
  error: string | null;
  status: number | null;
  excerpt: string | null;
}

function toAttempt(row: AttemptRow): TransactionAttempt {
  return {
    transactionId: row.transaction_id,
    attempt: row.attempt,
    startedAt: new Date(row.started_at),
    finishedAt: toDate(row.finished_at),
    durationMs: row.duration_ms,
    outcome: row.outcome,
    error: row.error,
    httpStatus: row.http_status,
    responseExcerpt: row.response_excerpt,
  };
}

/** Every column but the payload, which list pages leave out. */
const SUMMARY_COLUMNS =
  'transaction_id, source_account, destination_account, amount, currency, status, created_at, updated_at, ' +
  'processed_at, attempts, available_at, lease_owner, lease_expires_at, last_error, delivery_id, request_id, ' +
  'provider, event_type, payment_id, payment_status, received_via';

/** Times are epoch milliseconds; ids compare as SQLite's BINARY collation does, byte by byte. */
const SQLITE: SqlDialect = {
  placeholder: () => '?',
  time: (value) => value.getTime(),
  orderedId: 'transaction_id',
  idIn: (placeholder) => `transaction_id IN (SELECT value FROM json_each(${placeholder}))`,
  ids: (ids) => JSON.stringify(ids),
};

interface DueRow {
  transaction_id: string;
  attempts: number;
}

const toDate = (ms: number | null) => (ms === null ? null : new Date(ms));

function toRecord(row: Omit<Row, 'last_attempt'>): TransactionRecord {
  const record = toSummary(row) as TransactionRecord;
  record.payload = row.payload_erased_at === null ? row.payload : null;
  return record;
}

function toSummary(row: SummaryRow): TransactionSummary {
  return {
    transactionId: row.transaction_id,
    sourceAccount: row.source_account,
    destinationAccount: row.destination_account,
    amount: row.amount === null ? null : Number(row.amount),
    currency: row.currency,
    provider: row.provider,
    eventType: row.event_type,
    paymentId: row.payment_id,
    paymentStatus: row.payment_status,
    status: row.status,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    processedAt: toDate(row.processed_at),
    attempts: row.attempts,
    availableAt: new Date(row.available_at),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: toDate(row.lease_expires_at),
    lastError: row.last_error,
    deliveryId: row.delivery_id,
    requestId: row.request_id,
    receivedVia: row.received_via,
  };
}

/** A provider's row of `reconcile_state`. */
interface ReconcileStateRow {
  provider: Provider;
  watermark: number | null;
  run_started_at: number | null;
  run_finished_at: number | null;
  run_checked: number | null;
  run_recovered: number | null;
  run_mismatches: number | null;
  run_error: string | null;
  last_success_at: number | null;
  consecutive_failures: number;
  mismatch_count: number;
}

interface MismatchRow {
  provider: Provider;
  payment_id: string;
  provider_status: PaymentStatus | null;
  derived_status: PaymentStatus | null;
  amount: number;
  currency: string | null;
  created_at: number;
}

function toReconcileStatus(row: ReconcileStateRow): ReconcileStatus {
  const finished = row.run_finished_at;
  return {
    provider: row.provider,
    lastRun:
      finished === null
        ? null
        : {
            provider: row.provider,
            startedAt: new Date(row.run_started_at ?? finished),
            finishedAt: new Date(finished),
            checked: row.run_checked ?? 0,
            recovered: row.run_recovered ?? 0,
            mismatches: row.run_mismatches ?? 0,
            error: row.run_error,
          },
    lastSuccessAt: toDate(row.last_success_at),
    consecutiveFailures: row.consecutive_failures,
    mismatchCount: row.mismatch_count,
    watermark: toDate(row.watermark),
  };
}

const toMismatch = (row: MismatchRow): PaymentMismatch => ({
  provider: row.provider,
  paymentId: row.payment_id,
  providerStatus: row.provider_status,
  derivedStatus: row.derived_status,
  amount: row.amount,
  currency: row.currency,
  createdAt: new Date(row.created_at),
});

const LEASED = `transaction_id = @id AND status = 'PROCESSING' AND lease_owner = @owner`;

/** The statuses retention may act on, as an SQL list. */
const FINISHED = FINISHED_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * Transaction store on one SQLite file (better-sqlite3, WAL). Several processes on one host may
 * share the file; every write is a single conditional statement or an IMMEDIATE transaction.
 */
export class SqliteStore implements TransactionStore {
  #db: Database.Database | undefined;
  #statements: ReturnType<SqliteStore['prepare']> | undefined;
  /** Present under FULL in WAL mode: commits are synced off the event loop (see {@link WalSync}). */
  #walSync: WalSync | undefined;
  /** Present for a file in WAL mode: checkpoints run off the event loop. */
  #checkpointer: WalCheckpointer | undefined;
  /** `data_version` when {@link SqliteStore.#foundDurable} last asked for a sync. */
  #syncedDataVersion: number | undefined;
  readonly #claims = new KeyedCallBatchers<string, Claim | null>();
  readonly #completions = new KeyedCallBatchers<{ id: string; response: AttemptResponse }, boolean>();
  /** The operators' statements, one per shape of filter, prepared on first use. */
  readonly #prepared = new Map<string, Database.Statement>();
  readonly #recordAttempts: boolean;

  constructor(private readonly options: SqliteStoreOptions) {
    this.#recordAttempts = options.recordAttempts ?? true;
  }

  readonly retentionBatchSize = RETENTION_BATCH;

  /** The database file. */
  get path(): string {
    return this.options.path;
  }

  async ready(): Promise<void> {
    if (this.#db) return;
    if (this.options.path !== ':memory:') mkdirSync(dirname(this.options.path), { recursive: true });
    const db = new Database(this.options.path);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${this.options.synchronous}`);
    // Another process (API next to a worker) may hold the write lock for a moment.
    db.pragma('busy_timeout = 5000');
    db.pragma(`cache_size = -${CACHE_KIB}`);
    db.transaction(() => {
      const applied = db.pragma('user_version', { simple: true }) as number;
      for (let i = applied; i < SQLITE_MIGRATIONS.length; i++)
        applySqliteMigration(db, SQLITE_MIGRATIONS[i]!);
      if (applied < SQLITE_MIGRATIONS.length) db.pragma(`user_version = ${SQLITE_MIGRATIONS.length}`);
    }).immediate();
    const walPath = `${this.options.path}-wal`;
    const wal = db.pragma('journal_mode', { simple: true }) === 'wal';
    if (wal && this.options.path !== ':memory:') {
      db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
      this.#checkpointer = new WalCheckpointer({
        path: this.options.path,
        intervalMs: CHECKPOINT_INTERVAL_MS,
      });
    }
    if (this.options.synchronous === 'FULL' && wal && existsSync(walPath)) {
      // FULL's guarantee, but the fsync runs on a thread of its own and concurrent commits share
      // it: a blocking fsync per commit was the largest cost of the ingest path and stalled every
      // request behind the worker's claims.
      this.#walSync = new WalSync(walPath);
      db.pragma('synchronous = NORMAL');
    }
    this.#db = db;
    this.#statements = this.prepare(db);
  }

  async close(): Promise<void> {
    const checkpointer = this.#checkpointer;
    this.#checkpointer = undefined;
    await checkpointer?.close();
    const walSync = this.#walSync;
    this.#walSync = undefined;
    await walSync?.close();
    this.#db?.close();
    this.#db = undefined;
    this.#statements = undefined;
    this.#prepared.clear();
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
    if (this.#walSync?.failure) throw this.#walSync.failure;
  }

  /** Resolves once the writes committed so far are durable (a no-op unless FULL runs off-loop). */
  #durable(): Promise<void> | undefined {
    return this.#walSync?.flush();
  }

  /**
   * Resolves once the rows this connection can see are durable, for answers that found a row
   * instead of writing one: a duplicate's 202 must not stand for a row that a power loss could
   * take back. The row may come from a write of this store whose sync is still running (every
   * write here asks for one at once, so the pending sync covers it), or from another connection
   * (another process on the same file), which `data_version` reveals; only then is a new sync
   * needed. Duplicates thus cost no sync of their own in the common case.
   */
  #foundDurable(): Promise<void> | undefined {
    const walSync = this.#walSync;
    if (!walSync) return undefined;
    const version = this.sql.dataVersion.get() as number;
    if (version === this.#syncedDataVersion) return walSync.pending();
    this.#syncedDataVersion = version;
    return walSync.flush();
  }

  /**
   * Runs `work` in one transaction that takes the write lock at its start (IMMEDIATE), so that a
   * read inside it never has to be upgraded to a write while another connection writes.
   */
  #immediate<T>(work: () => T): T {
    return this.sql.inTransaction.immediate(work) as T;
  }

  private get db(): Database.Database {
    if (!this.#db) throw new Error('SqliteStore used before ready()');
    return this.#db;
  }

  private get sql() {
    if (!this.#statements) throw new Error('SqliteStore used before ready()');
    return this.#statements;
  }

  private prepare(db: Database.Database) {
    return {
      // One transaction wrapper, made once, that runs the work it is given: `db.transaction(fn)`
      // builds a new wrapper (five functions and their properties) at every call. An empty
      // transaction took 15.6 µs with a new wrapper and 2.1 µs with this one (by hand, 100,000 each).
      inTransaction: db.transaction((work: () => unknown) => work()),
      // Positional parameters: binding by name costs a property lookup per parameter per row.
      insert: db.prepare<
        [
          string,
          string | null,
          string | null,
          string | null,
          string | null,
          number,
          number,
          number,
          string | null,
          string | null,
          string,
          string | null,
          string | null,
          string | null,
          string | null,
          string,
        ]
      >(
        `INSERT INTO transactions (transaction_id, source_account, destination_account, amount, currency, status,
           created_at, updated_at, available_at, delivery_id, request_id, payload,
           provider, event_type, payment_id, payment_status, received_via)
         VALUES (?, ?, ?, ?, ?, 'RECEIVED', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (transaction_id) DO NOTHING`,
      ),
      get: db.prepare<[string], Row>('SELECT * FROM transactions WHERE transaction_id = ?'),
      // Changes whenever another connection commits to the file; this connection's own commits leave it.
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      // A row claimed before attempts were numbered takes its next number from its attempts.
      claim: db.prepare<{ id: string; owner: string; now: number; until: number }, Row>(
        `UPDATE transactions
            SET status = 'PROCESSING', lease_owner = @owner, lease_expires_at = @until,
                attempts = attempts + 1, last_attempt = MAX(last_attempt, attempts) + 1, updated_at = @now
          WHERE transaction_id = @id
            AND ((status = 'RECEIVED' AND available_at <= @now)
              OR (status = 'PROCESSING' AND lease_expires_at <= @now))
         RETURNING *`,
      ),
      renew: db.prepare(`UPDATE transactions SET lease_expires_at = @until WHERE ${LEASED}`),
      complete: db.prepare<{ id: string; owner: string; now: number }, { last_attempt: number }>(
        `UPDATE transactions
            SET status = 'PROCESSED', processed_at = @now, updated_at = @now, last_error = NULL,
                lease_owner = NULL, lease_expires_at = NULL
          WHERE ${LEASED}
         RETURNING last_attempt`,
      ),
      retryLater: db.prepare<
        { id: string; owner: string; error: string; availableAt: number; now: number },
        { last_attempt: number }
      >(
        `UPDATE transactions
            SET status = 'RECEIVED', last_error = @error, available_at = @availableAt, updated_at = @now,
                lease_owner = NULL, lease_expires_at = NULL
          WHERE ${LEASED}
         RETURNING last_attempt`,
      ),
      fail: db.prepare<{ id: string; owner: string; error: string; now: number }, { last_attempt: number }>(
        `UPDATE transactions
            SET status = 'FAILED', last_error = @error, updated_at = @now, lease_owner = NULL, lease_expires_at = NULL
          WHERE ${LEASED}
         RETURNING last_attempt`,
      ),
      release: db.prepare<{ id: string; owner: string; now: number }, { last_attempt: number }>(
        `UPDATE transactions
            SET status = 'RECEIVED', attempts = MAX(attempts - 1, 0), available_at = @now, updated_at = @now,
                lease_owner = NULL, lease_expires_at = NULL
          WHERE ${LEASED}
         RETURNING last_attempt`,
      ),
      requeue: db.prepare<{ id: string; now: number }, Row>(
        `UPDATE transactions
            SET status = 'RECEIVED', attempts = 0, available_at = @now, updated_at = @now
          WHERE transaction_id = @id AND status = 'FAILED'
         RETURNING *`,
      ),
      replay: db.prepare<{ id: string; now: number }, Row>(
        `UPDATE transactions
            SET status = 'RECEIVED', attempts = 0, available_at = @now, updated_at = @now, processed_at = NULL
          WHERE transaction_id = @id AND status IN ('PROCESSED', 'FAILED')
         RETURNING *`,
      ),
      replayRow: db.prepare<{ rowid: number; now: number }, DueRow>(
        `UPDATE transactions
            SET status = 'RECEIVED', attempts = 0, available_at = @now, updated_at = @now, processed_at = NULL
          WHERE rowid = @rowid AND status IN ('PROCESSED', 'FAILED')
         RETURNING transaction_id, attempts`,
      ),
      // The history, written in the transaction of the change it records. A number is never
      // reused (last_attempt only grows), so an existing row can only be one left by a failed write.
      openAttempt: db.prepare<[string, number, number]>(
        `INSERT INTO transaction_attempts (transaction_id, attempt, started_at) VALUES (?, ?, ?)
         ON CONFLICT (transaction_id, attempt) DO NOTHING`,
      ),
      interruptOpenAttempts: db.prepare<{ id: string; now: number; error: string }>(
        `UPDATE transaction_attempts
            SET outcome = 'interrupted', finished_at = @now, duration_ms = MAX(@now - started_at, 0), error = @error
          WHERE transaction_id = @id AND outcome IS NULL`,
      ),
      closeAttempt: db.prepare<AttemptEnd>(
        `UPDATE transaction_attempts
            SET outcome = @outcome, finished_at = @now, duration_ms = MAX(@now - started_at, 0), error = @error,
                http_status = @status, response_excerpt = @excerpt
          WHERE transaction_id = @id AND attempt = @attempt AND outcome IS NULL`,
      ),
      attempts: db.prepare<[string, number], AttemptRow>(
        `SELECT * FROM (SELECT * FROM transaction_attempts WHERE transaction_id = ? ORDER BY attempt DESC LIMIT ?)
          ORDER BY attempt`,
      ),
      // Each count through the index on its own time (named: without statistics the planner would
      // rather take the status index, and read every PROCESSED row). Numbers are bound as REAL, so
      // the bucket is cast to a whole number (times are never before @from, so this is the floor).
      timeline: db.prepare<
        { from: number; to: number; bucket: number },
        { kind: 'received' | 'processed' | 'failed'; bucket: number; n: number }
      >(
        `SELECT 'received' AS kind, CAST((created_at - @from) / @bucket AS INTEGER) AS bucket, COUNT(*) AS n
           FROM transactions INDEXED BY transactions_created
          WHERE created_at >= @from AND created_at < @to GROUP BY 2
         UNION ALL
         SELECT 'processed', CAST((processed_at - @from) / @bucket AS INTEGER), COUNT(*)
           FROM transactions INDEXED BY transactions_processed
          WHERE status = 'PROCESSED' AND processed_at >= @from AND processed_at < @to GROUP BY 2
         UNION ALL
         SELECT 'failed', CAST((updated_at - @from) / @bucket AS INTEGER), COUNT(*)
           FROM transactions INDEXED BY transactions_failed
          WHERE status = 'FAILED' AND updated_at >= @from AND updated_at < @to GROUP BY 2`,
      ),
      oldestDue: db
        .prepare<[number], number>(
          `SELECT available_at FROM transactions INDEXED BY transactions_received_due
            WHERE status = 'RECEIVED' AND available_at <= ? ORDER BY available_at LIMIT 1`,
        )
        .pluck(),
      dueReceived: db.prepare<{ before: number; limit: number }, DueRow>(
        `SELECT transaction_id, attempts FROM transactions
          WHERE status = 'RECEIVED' AND available_at <= @before ORDER BY available_at LIMIT @limit`,
      ),
      dueLeases: db.prepare<{ before: number; limit: number }, DueRow>(
        `SELECT transaction_id, attempts FROM transactions
          WHERE status = 'PROCESSING' AND lease_expires_at <= @before ORDER BY lease_expires_at LIMIT @limit`,
      ),
      leaseOwners: db.prepare<[], { lease_owner: string }>(
        `SELECT DISTINCT lease_owner FROM transactions WHERE status = 'PROCESSING' AND lease_owner IS NOT NULL`,
      ),
      expireLeases: db.prepare(
        `UPDATE transactions SET lease_expires_at = @now WHERE status = 'PROCESSING' AND lease_owner = @owner`,
      ),
      byPayment: db.prepare<[string, number], Row>(
        'SELECT * FROM transactions WHERE payment_id = ? ORDER BY created_at, rowid LIMIT ?',
      ),
      // The open statuses through the status index alone (provider is its last column).
      openCounts: db.prepare<[], OpenCount>(
        `SELECT status, provider, COUNT(*) AS n FROM transactions
          WHERE status IN ('RECEIVED', 'PROCESSING', 'FAILED') GROUP BY status, provider`,
      ),
      processedCount: db.prepare<[], number>('SELECT n FROM processed_count WHERE id = 1').pluck(),
      countProcessed: db.prepare<[number]>('UPDATE processed_count SET n = n + ? WHERE id = 1'),
      oldestReceived: db
        .prepare<[], number | null>(`SELECT MIN(created_at) FROM transactions WHERE status = 'RECEIVED'`)
        .pluck(),
      // Retention. Each picks the oldest finished rows through its partial index (named, so a
      // planner without statistics cannot walk a larger one instead), and the same statement that
      // picks them deletes or erases them: status and age are its own conditions.
      deleteFinished: db.prepare<[number, number], { transaction_id: string; status: TransactionStatus }>(
        `DELETE FROM transactions
          WHERE rowid IN (SELECT rowid FROM transactions INDEXED BY transactions_finished
                           WHERE status IN (${FINISHED}) AND updated_at < ? ORDER BY updated_at LIMIT ?)
         RETURNING transaction_id, status`,
      ),
      countDeletedProcessed: db.prepare<[number]>('UPDATE processed_count SET n = n - ? WHERE id = 1'),
      deleteAttemptsOf: db.prepare<[string]>(
        'DELETE FROM transaction_attempts WHERE transaction_id IN (SELECT value FROM json_each(?))',
      ),
      erasePayloads: db.prepare<[number, number, number]>(
        `UPDATE transactions SET payload = '', payload_erased_at = ?
          WHERE rowid IN (SELECT rowid FROM transactions INDEXED BY transactions_payload_kept
                           WHERE status IN (${FINISHED}) AND payload_erased_at IS NULL AND updated_at < ?
                           ORDER BY updated_at LIMIT ?)`,
      ),
      erasePayload: db.prepare<[number, string]>(
        `UPDATE transactions SET payload = '', payload_erased_at = coalesce(payload_erased_at, ?)
          WHERE transaction_id = ? AND status IN (${FINISHED})`,
      ),
      status: db
        .prepare<[string], TransactionStatus>('SELECT status FROM transactions WHERE transaction_id = ?')
        .pluck(),
      pageSize: db.prepare<[], number>('PRAGMA page_size').pluck(),
      pageCount: db.prepare<[], number>('PRAGMA page_count').pluck(),
      freelistCount: db.prepare<[], number>('PRAGMA freelist_count').pluck(),
      // Named: without statistics the planner prefers the status index here, and then reads every
      // FAILED row (33 ms for 10,000 of them, against 0.1 ms through this one).
      recentFailures: db
        .prepare<[number], number>(
          `SELECT COUNT(*) FROM transactions INDEXED BY transactions_failed
            WHERE status = 'FAILED' AND updated_at >= ?`,
        )
        .pluck(),
      // One statement: the row is created on first use, and an existing one is taken only when its
      // lease is free or expired (and the run is due, when asked), so two takers never both win.
      takeReconcileLease: db.prepare<
        { provider: string; owner: string; now: number; until: number; whenDue: number },
        { watermark: number | null }
      >(
        `INSERT INTO reconcile_state (provider, lease_owner, lease_expires_at) VALUES (@provider, @owner, @until)
         ON CONFLICT (provider) DO UPDATE
            SET lease_owner = excluded.lease_owner, lease_expires_at = excluded.lease_expires_at
          WHERE (reconcile_state.lease_expires_at IS NULL OR reconcile_state.lease_expires_at <= @now)
            AND (@whenDue = 0 OR reconcile_state.next_run_at <= @now)
         RETURNING watermark`,
      ),
      renewReconcileLease: db.prepare(
        `UPDATE reconcile_state SET lease_expires_at = @until WHERE provider = @provider AND lease_owner = @owner`,
      ),
      releaseReconcileLease: db.prepare(
        `UPDATE reconcile_state SET lease_owner = NULL, lease_expires_at = NULL
          WHERE provider = @provider AND lease_owner = @owner`,
      ),
      recordReconcileRun: db.prepare(
        `UPDATE reconcile_state
            SET lease_owner = NULL, lease_expires_at = NULL, next_run_at = @nextRunAt,
                watermark = CASE WHEN @watermark IS NULL THEN watermark
                                 ELSE max(coalesce(watermark, @watermark), @watermark) END,
                run_started_at = @startedAt, run_finished_at = @finishedAt, run_checked = @checked,
                run_recovered = @recovered, run_mismatches = @mismatches, run_error = @error,
                last_success_at = CASE WHEN @error IS NULL THEN @finishedAt ELSE last_success_at END,
                consecutive_failures = CASE WHEN @error IS NULL THEN 0 ELSE consecutive_failures + 1 END,
                mismatch_count = coalesce(@mismatchCount, mismatch_count)
          WHERE provider = @provider AND lease_owner = @owner`,
      ),
      clearMismatches: db.prepare<[string]>('DELETE FROM reconcile_mismatches WHERE provider = ?'),
      insertMismatch: db.prepare<
        [string, string, string | null, string | null, number, string | null, number]
      >(
        `INSERT INTO reconcile_mismatches
           (provider, payment_id, provider_status, derived_status, amount, currency, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (provider, payment_id) DO NOTHING`,
      ),
      reconcileStatuses: db.prepare<[], ReconcileStateRow>('SELECT * FROM reconcile_state ORDER BY provider'),
      listMismatches: db.prepare<[number], MismatchRow>(
        `SELECT * FROM reconcile_mismatches ORDER BY amount DESC, provider, payment_id LIMIT ?`,
      ),
    };
  }

  async insertMany(items: readonly NewTransaction[]): Promise<InsertOutcome[]> {
    const { insert, get } = this.sql;
    const outcomes = this.#immediate(() =>
      items.map((item): InsertOutcome => {
        const now = item.receivedAt.getTime();
        const { changes } = insert.run(
          item.transactionId,
          item.sourceAccount,
          item.destinationAccount,
          item.amount === null ? null : String(item.amount),
          item.currency,
          now,
          now,
          now,
          item.deliveryId,
          item.requestId,
          item.payload,
          item.provider,
          item.eventType,
          item.paymentId,
          item.paymentStatus,
          item.receivedVia ?? 'webhook',
        );
        if (changes === 1) return { inserted: true, record: receivedRecord(item) };
        return { inserted: false, record: toRecord(get.get(item.transactionId)!) };
      }),
    );
    if (outcomes.some((o) => o.inserted)) await this.#durable();
    else await this.#foundDurable();
    return outcomes;
  }

  async get(transactionId: string): Promise<TransactionRecord | null> {
    const row = this.sql.get.get(transactionId);
    return row ? toRecord(row) : null;
  }

  /**
   * Claims are batched per owner and lease length (see {@link KeyedCallBatchers}): a worker whose
   * handlers end together claims their successors in one transaction and one sync.
   */
  async claim(transactionId: string, owner: string, leaseMs: number): Promise<Claim | null> {
    return this.#claims.submit(`${leaseMs}:${owner}`, transactionId, (ids) =>
      this.claimMany(ids, owner, leaseMs),
    );
  }

  private async claimMany(ids: string[], owner: string, leaseMs: number): Promise<(Claim | null)[]> {
    const { get, claim, openAttempt, interruptOpenAttempts } = this.sql;
    const now = Date.now();
    const until = now + leaseMs;
    const history = this.#recordAttempts;
    // One after the other in one transaction: an id asked for twice finds its lease held the second
    // time. The attempts are written in the same transaction, so they cost no commit of their own.
    const claims = this.#immediate(() =>
      ids.map((id): Claim | null => {
        const before = get.get(id);
        if (!before) return null;
        const row = claim.get({ id, owner, now, until });
        if (!row) return null;
        const reclaimed = before.status === 'PROCESSING';
        if (history) {
          if (reclaimed) interruptOpenAttempts.run({ id, now, error: LEASE_EXPIRED_ERROR });
          openAttempt.run(id, row.last_attempt, now);
        }
        return { record: toRecord(row), reclaimed, attempt: row.last_attempt };
      }),
    );
    if (claims.some((c) => c !== null)) await this.#durable();
    return claims;
  }

  async renewLeases(transactionIds: readonly string[], owner: string, leaseMs: number): Promise<string[]> {
    const until = Date.now() + leaseMs;
    const { renew } = this.sql;
    const kept = this.#immediate(() =>
      transactionIds.filter((id) => renew.run({ id, owner, until }).changes === 1),
    );
    if (kept.length > 0) await this.#durable();
    return kept;
  }

  /** Batched per owner, like {@link SqliteStore.claim}. */
  async complete(transactionId: string, owner: string, response = NO_RESPONSE): Promise<boolean> {
    return this.#completions.submit(owner, { id: transactionId, response }, (asks) =>
      this.completeMany(asks, owner),
    );
  }

  private async completeMany(
    asks: { id: string; response: AttemptResponse }[],
    owner: string,
  ): Promise<boolean[]> {
    const { complete, countProcessed } = this.sql;
    const now = Date.now();
    const done = this.#immediate(() => {
      const completed = asks.map(({ id, response }) => {
        const row = complete.get({ id, owner, now });
        if (row) this.#closeAttempt(id, row.last_attempt, now, 'succeeded', null, response);
        return row !== undefined;
      });
      // Completions are counted as they commit, and a replay out of PROCESSED counts itself out in
      // its own transaction, so the count stays exact.
      const count = completed.filter(Boolean).length;
      if (count > 0) countProcessed.run(count);
      return completed;
    });
    if (done.includes(true)) await this.#durable();
    return done;
  }

  async retryLater(
    transactionId: string,
    owner: string,
    error: string,
    availableAt: Date,
    response = NO_RESPONSE,
  ): Promise<boolean> {
    const now = Date.now();
    const params = { id: transactionId, owner, error, availableAt: availableAt.getTime(), now };
    return this.#ended(this.sql.retryLater, params, 'retrying', error, response);
  }

  async fail(transactionId: string, owner: string, error: string, response = NO_RESPONSE): Promise<boolean> {
    const params = { id: transactionId, owner, error, now: Date.now() };
    return this.#ended(this.sql.fail, params, 'failed', error, response);
  }

  async release(transactionId: string, owner: string): Promise<boolean> {
    const params = { id: transactionId, owner, now: Date.now() };
    return this.#ended(this.sql.release, params, 'interrupted', RELEASED_AT_SHUTDOWN_ERROR, NO_RESPONSE);
  }

  /**
   * Runs a lease-conditional outcome (`statement`, returning the attempt number) and closes that
   * attempt in the same transaction; true once both are durable, false when the lease was gone.
   */
  async #ended<P extends { id: string; now: number }>(
    statement: Database.Statement<[P], { last_attempt: number }>,
    params: P,
    outcome: AttemptOutcome,
    error: string,
    response: AttemptResponse,
  ): Promise<boolean> {
    const changed = this.#immediate(() => {
      const row = statement.get(params);
      if (row) this.#closeAttempt(params.id, row.last_attempt, params.now, outcome, error, response);
      return row !== undefined;
    });
    if (changed) await this.#durable();
    return changed;
  }

  #closeAttempt(
    id: string,
    attempt: number,
    now: number,
    outcome: AttemptOutcome,
    error: string | null,
    response: AttemptResponse,
  ): void {
    if (!this.#recordAttempts) return;
    this.sql.closeAttempt.run({
      id,
      attempt,
      now,
      outcome,
      error,
      status: response.httpStatus,
      excerpt: response.responseExcerpt,
    });
  }

  /** True, once durable, when a conditional write changed its one row. */
  async #changed(changes: number): Promise<boolean> {
    if (changes !== 1) return false;
    await this.#durable();
    return true;
  }

  async requeue(transactionId: string): Promise<TransactionRecord | null> {
    const row = this.sql.requeue.get({ id: transactionId, now: Date.now() });
    if (row) await this.#durable();
    return row ? toRecord(row) : null;
  }

  async replay(transactionId: string): Promise<TransactionRecord | null> {
    const { get, replay, countProcessed } = this.sql;
    const now = Date.now();
    const row = this.#immediate(() => {
      const before = get.get(transactionId);
      if (!before || !isReplayable(before.status)) return undefined;
      const replayed = replay.get({ id: transactionId, now });
      // Out of PROCESSED: its count goes down in the same transaction.
      if (replayed && before.status === 'PROCESSED') countProcessed.run(-1);
      return replayed;
    });
    if (!row) return null;
    await this.#durable();
    return toRecord(row);
  }

  async countReplayable(selection: ReplaySelection): Promise<number> {
    const sql = new SqlConditions(SQLITE).replayable(selection);
    return this.#statement(`SELECT COUNT(*) FROM transactions ${sql.where()}`)
      .pluck()
      .get(...sql.params) as number;
  }

  async replayMatching(selection: ReplaySelection, query: ReplayBatchQuery): Promise<ReplayBatch> {
    const { replayRow, countProcessed } = this.sql;
    const sql = new SqlConditions(SQLITE)
      .replayable(selection)
      .add('updated_at <= ?', query.finishedBefore.getTime())
      .after(query.after);
    const limit = sql.param(query.limit);
    const pick = this.#statement(
      `SELECT rowid, transaction_id, created_at, status FROM transactions ${sql.where()}
        ORDER BY created_at DESC, transaction_id DESC LIMIT ${limit}`,
    );
    const now = Date.now();
    const batch = this.#immediate((): ReplayBatch => {
      const picked = pick.all(...sql.params) as {
        rowid: number;
        transaction_id: string;
        created_at: number;
        status: TransactionStatus;
      }[];
      const replayed: DueTransaction[] = [];
      let outOfProcessed = 0;
      for (const row of picked) {
        const done = replayRow.get({ rowid: row.rowid, now });
        if (!done) continue;
        replayed.push({ transactionId: done.transaction_id, attempts: done.attempts });
        if (row.status === 'PROCESSED') outOfProcessed++;
      }
      if (outOfProcessed > 0) countProcessed.run(-outOfProcessed);
      const last = picked.at(-1);
      return {
        replayed,
        next: last ? { createdAt: new Date(last.created_at), transactionId: last.transaction_id } : null,
      };
    });
    if (batch.replayed.length > 0) await this.#durable();
    return batch;
  }

  async listAttempts(transactionId: string, limit: number): Promise<TransactionAttempt[]> {
    return this.sql.attempts.all(transactionId, limit).map(toAttempt);
  }

  async timeline(query: TimelineQuery): Promise<TimelineCounts[]> {
    return mergeTimelineCounts(
      this.sql.timeline.all({ from: query.from.getTime(), to: query.to.getTime(), bucket: query.bucketMs }),
    );
  }

  async oldestDueReceivedAt(now: Date): Promise<Date | null> {
    return toDate(this.sql.oldestDue.get(now.getTime()) ?? null);
  }

  async findDue(query: DueQuery): Promise<DueTransaction[]> {
    const received = this.sql.dueReceived.all({ before: query.receivedBefore.getTime(), limit: query.limit });
    const leases = this.sql.dueLeases.all({
      before: query.leaseExpiredBefore.getTime(),
      limit: Math.max(query.limit - received.length, 0),
    });
    return [...received, ...leases].map((r) => ({ transactionId: r.transaction_id, attempts: r.attempts }));
  }

  async leaseOwners(): Promise<string[]> {
    return this.sql.leaseOwners.all().map((r) => r.lease_owner);
  }

  async expireLeases(owner: string): Promise<number> {
    const { changes } = this.sql.expireLeases.run({ owner, now: Date.now() });
    if (changes > 0) await this.#durable();
    return changes;
  }

  async findByPayment(paymentId: string, limit: number): Promise<TransactionRecord[]> {
    return this.sql.byPayment.all(paymentId, limit).map(toRecord);
  }

  async countByStatus(): Promise<Record<TransactionStatus, number>> {
    const { openCounts, processedCount } = this.sql;
    // One read transaction: both reads see the same snapshot.
    return this.sql.inTransaction(() => statusCounts(openCounts.all(), processedCount.get() ?? 0)) as Record<
      TransactionStatus,
      number
    >;
  }

  async list(query: TransactionListQuery): Promise<TransactionSummary[]> {
    const { text, params } = listClauses(SQLITE, 'transactions', query);
    return (this.#statement(`SELECT ${SUMMARY_COLUMNS} ${text}`).all(...params) as SummaryRow[]).map(
      toSummary,
    );
  }

  async stats(failedSince: Date): Promise<TransactionStats> {
    const { openCounts, processedCount, oldestReceived, recentFailures } = this.sql;
    return this.sql.inTransaction(() => {
      const oldest = oldestReceived.get() ?? null;
      return statsFrom(openCounts.all(), processedCount.get() ?? 0, {
        oldestReceivedAt: oldest === null ? null : new Date(oldest),
        recentFailures: recentFailures.get(failedSince.getTime()) ?? 0,
      });
    }) as TransactionStats;
  }

  async countFailed(selection: RetrySelection): Promise<number> {
    const sql = new SqlConditions(SQLITE).failed(selection);
    return this.#statement(`SELECT COUNT(*) FROM transactions ${sql.where()}`)
      .pluck()
      .get(...sql.params) as number;
  }

  async requeueFailed(
    selection: RetrySelection,
    failedBefore: Date,
    limit: number,
  ): Promise<DueTransaction[]> {
    const now = Date.now();
    // Positional parameters bind in the order they appear in the text: the SET clause's come first.
    const sql = new SqlConditions(SQLITE);
    const available = sql.param(now);
    const updated = sql.param(now);
    sql.failed(selection).add('updated_at <= ?', failedBefore.getTime());
    const batch = sql.param(limit);
    const rows = this.#statement(
      `UPDATE transactions SET status = 'RECEIVED', attempts = 0, available_at = ${available}, updated_at = ${updated}
        WHERE rowid IN (SELECT rowid FROM transactions ${sql.where()} LIMIT ${batch})
       RETURNING transaction_id, attempts`,
    ).all(...sql.params) as DueRow[];
    if (rows.length > 0) await this.#durable();
    return rows.map((r) => ({ transactionId: r.transaction_id, attempts: r.attempts }));
  }

  async deleteFinished(before: Date, limit: number): Promise<number> {
    const { deleteFinished, countDeletedProcessed, deleteAttemptsOf } = this.sql;
    const deleted = this.#immediate(() => {
      const rows = deleteFinished.all(before.getTime(), limit);
      // What is recorded about these transactions elsewhere goes with them, in this transaction.
      if (rows.length > 0) deleteAttemptsOf.run(JSON.stringify(rows.map((r) => r.transaction_id)));
      const processed = rows.filter((r) => r.status === 'PROCESSED').length;
      if (processed > 0) countDeletedProcessed.run(processed);
      return rows.length;
    });
    if (deleted > 0) await this.#durable();
    return deleted;
  }

  async erasePayloads(before: Date, limit: number): Promise<number> {
    const { changes } = this.sql.erasePayloads.run(Date.now(), before.getTime(), limit);
    if (changes > 0) await this.#durable();
    return changes;
  }

  async erasePayload(transactionId: string): Promise<PayloadErasure> {
    const { erasePayload, status } = this.sql;
    const outcome = this.#immediate((): PayloadErasure => {
      if (erasePayload.run(Date.now(), transactionId).changes === 1) return 'erased';
      return status.get(transactionId) === undefined ? 'not-found' : 'unfinished';
    });
    if (outcome === 'erased') await this.#durable();
    return outcome;
  }

  /** The database file and its WAL (and the WAL's index) as they are on disk; free pages are reusable. */
  async storageSize(): Promise<StorageSize> {
    const { pageSize, pageCount, freelistCount } = this.sql;
    const size = pageSize.get() ?? 0;
    const path = this.options.path;
    const bytes =
      path === ':memory:'
        ? (pageCount.get() ?? 0) * size
        : [path, `${path}-wal`, `${path}-shm`].reduce(
            (sum, file) => sum + (statSync(file, { throwIfNoEntry: false })?.size ?? 0),
            0,
          );
    return { bytes, reusableBytes: (freelistCount.get() ?? 0) * size };
  }

  /** The prepared statement for `text`, made once per shape of operator query. */
  #statement(text: string): Database.Statement {
    let statement = this.#prepared.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.#prepared.set(text, statement);
    }
    return statement;
  }

  async takeReconcileLease(
    provider: Provider,
    owner: string,
    leaseMs: number,
    { whenDue }: { whenDue: boolean },
  ): Promise<ReconcileLease | null> {
    const now = Date.now();
    const row = this.sql.takeReconcileLease.get({
      provider,
      owner,
      now,
      until: now + leaseMs,
      whenDue: whenDue ? 1 : 0,
    });
    if (!row) return null;
    await this.#durable();
    return { watermark: toDate(row.watermark) };
  }

  async renewReconcileLease(provider: Provider, owner: string, leaseMs: number): Promise<boolean> {
    const until = Date.now() + leaseMs;
    return this.#changed(this.sql.renewReconcileLease.run({ provider, owner, until }).changes);
  }

  async releaseReconcileLease(provider: Provider, owner: string): Promise<void> {
    await this.#changed(this.sql.releaseReconcileLease.run({ provider, owner }).changes);
  }

  async recordReconcileRun(owner: string, record: ReconcileRunRecord): Promise<boolean> {
    const { run, mismatches } = record;
    const { recordReconcileRun, clearMismatches, insertMismatch } = this.sql;
    const recorded = this.#immediate(() => {
      const { changes } = recordReconcileRun.run({
        provider: run.provider,
        owner,
        nextRunAt: record.nextRunAt.getTime(),
        watermark: record.watermark?.getTime() ?? null,
        startedAt: run.startedAt.getTime(),
        finishedAt: run.finishedAt.getTime(),
        checked: run.checked,
        recovered: run.recovered,
        mismatches: run.mismatches,
        error: run.error,
        mismatchCount: mismatches?.count ?? null,
      });
      if (changes !== 1) return false;
      if (mismatches) {
        clearMismatches.run(run.provider);
        for (const m of mismatches.kept) {
          insertMismatch.run(
            m.provider,
            m.paymentId,
            m.providerStatus,
            m.derivedStatus,
            m.amount,
            m.currency,
            m.createdAt.getTime(),
          );
        }
      }
      return true;
    });
    if (recorded) await this.#durable();
    return recorded;
  }

  async reconcileStatuses(): Promise<ReconcileStatus[]> {
    return this.sql.reconcileStatuses.all().map(toReconcileStatus);
  }

  async listMismatches(limit: number): Promise<PaymentMismatch[]> {
    return this.sql.listMismatches.all(limit).map(toMismatch);
  }
}
