import pg from 'pg';
import type { PaymentStatus } from '../../domain/payment-status.js';
import type { Provider } from '../../domain/provider-event.js';
import type { PaymentMismatch, ReconcileStatus } from '../../domain/reconciliation.js';
import type { ReplaySelection } from '../../domain/replay.js';
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
import { insertOutcomesInOrder } from '../insert-outcomes.js';
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
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';

/** Options of {@link PostgresStore}. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`; query parameters such as `sslmode` apply. */
  connectionString: string;
  /**
   * Schema holding the store's tables, created at `ready()` if missing. Default `public`. Letters,
   * digits and `_`, not starting with a digit; case is kept (the name is always quoted).
   */
  schema?: string;
  /** Most connections the store's pool opens at once. Default 10. */
  poolSize?: number;
  /**
   * Called when an idle pooled connection fails (server restart, network cut). Default: ignored,
   * since the pool discards that connection and the next query opens a new one.
   */
  onIdleError?: (error: Error) => void;
  /**
   * Whether claims and outcomes write the attempts history. Default true; false exists only so the
   * bench can measure what the history costs per transaction.
   */
  recordAttempts?: boolean;
}

/** Default {@link PostgresStoreOptions.poolSize}. */
export const DEFAULT_POSTGRES_POOL_SIZE = 10;

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

// First key of the two-key advisory lock that serializes migrations; the second is the schema's hash,
// so stores in different schemas (parallel test files) migrate without waiting for each other.
const MIGRATION_LOCK_KEY = 0x77656268;

const COLUMNS = [
  'transaction_id',
  'source_account',
  'destination_account',
  'amount',
  'currency',
  'status',
  'created_at',
  'updated_at',
  'processed_at',
  'attempts',
  'available_at',
  'lease_owner',
  'lease_expires_at',
  'last_error',
  'delivery_id',
  'request_id',
  'payload',
  'provider',
  'event_type',
  'payment_id',
  'payment_status',
  'received_via',
  'payload_erased_at',
] as const;

// Columns are listed rather than `*`, so a process still running older code keeps working while a
// newer one adds columns during a rolling deploy.
const SELECTED = COLUMNS.join(', ');
/** Every column but the payload and its erasure, which list pages leave out. */
const SUMMARY_COLUMNS = COLUMNS.filter((c) => c !== 'payload' && c !== 'payload_erased_at').join(', ');

/** Ids compare byte by byte (the "C" collation) whatever the database's, as in the other stores. */
const POSTGRES: SqlDialect = {
  placeholder: (n) => `$${n}`,
  time: (value) => value,
  orderedId: 'transaction_id COLLATE "C"',
  idIn: (placeholder) => `transaction_id = ANY(${placeholder}::text[])`,
  ids: (ids) => ids,
};

/** Completions are counted in this many rows, one picked per store, so workers rarely wait on each other. */
const PROCESSED_COUNT_SHARDS = 64;

/**
 * How often `insertMany` offers again the ids it neither inserted nor found: each time, retention
 * deleted the row that made the insert skip an id before it could be read, which needs a finished
 * transaction to expire between two statements.
 */
const INSERT_ROUNDS = 5;

/** The store's own tables, whose sizes make up {@link PostgresStore.storageSize}. */
const STORE_TABLES = [
  'transactions',
  'transaction_attempts',
  'processed_count',
  'reconcile_state',
  'reconcile_mismatches',
  'schema_migrations',
] as const;

/** The statuses retention may act on, as an SQL list. */
const FINISHED = FINISHED_STATUSES.map((s) => `'${s}'`).join(', ');

interface SummaryRow {
  transaction_id: string;
  source_account: string | null;
  destination_account: string | null;
  /** `numeric` arrives as a string, so no digit is lost on the way. */
  amount: string | null;
  currency: string | null;
  status: TransactionStatus;
  created_at: Date;
  updated_at: Date;
  processed_at: Date | null;
  attempts: number;
  available_at: Date;
  lease_owner: string | null;
  lease_expires_at: Date | null;
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
  payload_erased_at: Date | null;
}

interface AttemptRow {
  transaction_id: string;
  attempt: number;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
  outcome: AttemptOutcome | null;
  error: string | null;
  http_status: number | null;
  response_excerpt: string | null;
}

function toAttempt(row: AttemptRow): TransactionAttempt {
  return {
    transactionId: row.transaction_id,
    attempt: row.attempt,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    outcome: row.outcome,
    error: row.error,
    httpStatus: row.http_status,
    responseExcerpt: row.response_excerpt,
  };
}

/** A constant of this module as an SQL string literal. */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

function toRecord(row: Row): TransactionRecord {
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
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    processedAt: row.processed_at,
    attempts: row.attempts,
    availableAt: row.available_at,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    lastError: row.last_error,
    deliveryId: row.delivery_id,
    requestId: row.request_id,
    receivedVia: row.received_via,
  };
}

/** A provider's row of `reconcile_state`. */
interface ReconcileStateRow {
  provider: Provider;
  watermark: Date | null;
  run_started_at: Date | null;
  run_finished_at: Date | null;
  run_checked: number | null;
  run_recovered: number | null;
  run_mismatches: number | null;
  run_error: string | null;
  last_success_at: Date | null;
  consecutive_failures: number;
  mismatch_count: number;
}

interface MismatchRow {
  provider: Provider;
  payment_id: string;
  provider_status: PaymentStatus | null;
  derived_status: PaymentStatus | null;
  /** bigint arrives as a string. */
  amount: string;
  currency: string | null;
  created_at: Date;
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
            startedAt: row.run_started_at ?? finished,
            finishedAt: finished,
            checked: row.run_checked ?? 0,
            recovered: row.run_recovered ?? 0,
            mismatches: row.run_mismatches ?? 0,
            error: row.run_error,
          },
    lastSuccessAt: row.last_success_at,
    consecutiveFailures: row.consecutive_failures,
    mismatchCount: row.mismatch_count,
    watermark: row.watermark,
  };
}

const toMismatch = (row: MismatchRow): PaymentMismatch => ({
  provider: row.provider,
  paymentId: row.payment_id,
  providerStatus: row.provider_status,
  derivedStatus: row.derived_status,
  amount: Number(row.amount),
  currency: row.currency,
  createdAt: row.created_at,
});

/** The schema name, validated and double-quoted for use in SQL text. */
function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`Invalid PostgreSQL schema name ${JSON.stringify(schema)}: use letters, digits and _`);
  }
  return `"${schema}"`;
}

/**
 * Every statement the store runs, with the schema-qualified table name baked in. With `history`,
 * claims and outcomes also write the attempts history, as more parts of the same statement (one
 * round trip, one commit); the statements then take the history's parameters after their own.
 */
function statements(schema: string, history: boolean) {
  const table = `${schema}.transactions`;
  const attempts = `${schema}.transaction_attempts`;
  const processedCount = `${schema}.processed_count`;
  /** Milliseconds from an attempt's start to `at` (a parameter of the statement). */
  const durationTo = (at: string) =>
    `GREATEST(0, round(extract(epoch FROM (${at} - a.started_at)) * 1000))::integer`;
  /**
   * A part closing the attempt numbered by the rows of `done` (transaction_id, last_attempt) with
   * `outcome` at `now`; `error`, `status`, `excerpt` are SQL expressions.
   */
  const closeAttempt = (
    outcome: AttemptOutcome,
    now: string,
    error: string,
    status: string,
    excerpt: string,
  ) =>
    history
      ? `, closed AS (
          UPDATE ${attempts} AS a
             SET outcome = '${outcome}', finished_at = ${now}, duration_ms = ${durationTo(now)}, error = ${error},
                 http_status = ${status}, response_excerpt = ${excerpt}
            FROM done
           WHERE a.transaction_id = done.transaction_id AND a.attempt = done.last_attempt AND a.outcome IS NULL)`
      : '';
  /** Moves PROCESSED's count by minus the `replayed` rows that were PROCESSED before, in shard `shard`. */
  const countOut = (shard: string) => `counted AS (
        INSERT INTO ${processedCount} AS c (shard, n)
        SELECT ${shard}, -count(*) FROM replayed WHERE previous_status = 'PROCESSED' HAVING count(*) > 0
        ON CONFLICT (shard) DO UPDATE SET n = c.n + EXCLUDED.n)`;
  const openCounts = `SELECT status, provider, count(*) AS n FROM ${table}
     WHERE status IN ('RECEIVED', 'PROCESSING', 'FAILED') GROUP BY status, provider`;
  const leased = `transaction_id = $1 AND status = 'PROCESSING' AND lease_owner = $2`;
  return {
    // unnest() keeps the statement at fourteen parameters whatever the batch size (the protocol
    // caps a statement at 65535), and the whole batch is still one atomic insert-if-absent. Rows go
    // in by id order: an insert waits on a concurrent uncommitted insert of the same id, so two
    // batches sharing ids in opposite orders would otherwise deadlock.
    insertMany: `
      INSERT INTO ${table} (transaction_id, source_account, destination_account, amount, currency, status,
                            created_at, updated_at, available_at, delivery_id, request_id, payload,
                            provider, event_type, payment_id, payment_status, received_via)
      SELECT id, source, destination, amount, currency, 'RECEIVED',
             received_at, received_at, received_at, delivery_id, request_id, payload,
             provider, event_type, payment_id, payment_status, received_via
        FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::text[], $6::timestamptz[],
                    $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
                    $14::text[])
             AS item (id, source, destination, amount, currency, received_at, delivery_id, request_id, payload,
                      provider, event_type, payment_id, payment_status, received_via)
       ORDER BY id
      ON CONFLICT (transaction_id) DO NOTHING
      RETURNING transaction_id`,
    getMany: `SELECT ${SELECTED} FROM ${table} WHERE transaction_id = ANY($1::text[])`,
    get: `SELECT ${SELECTED} FROM ${table} WHERE transaction_id = $1`,
    // Claims and completions of many ids in one statement each (see CallBatcher). The locking
    // subquery takes the row locks in id order, so two batches sharing ids cannot deadlock, and reads
    // the status each row has just before this update (after waiting for any concurrent claimer),
    // which RETURNING alone cannot show: it sees only the new row.
    // A row claimed before attempts were numbered takes its next number from its attempts. The
    // history's parts see the statement's snapshot: closing the open attempt of a reclaimed lease
    // never touches the attempt this statement opens.
    claimMany: `
      WITH claimed AS (
        UPDATE ${table} AS t
           SET status = 'PROCESSING', lease_owner = $2, lease_expires_at = $4,
               attempts = t.attempts + 1, last_attempt = GREATEST(t.last_attempt, t.attempts) + 1, updated_at = $3
          FROM (SELECT transaction_id, status FROM ${table} WHERE transaction_id = ANY($1::text[])
                 ORDER BY transaction_id FOR UPDATE) AS previous
         WHERE t.transaction_id = previous.transaction_id
           AND ((t.status = 'RECEIVED' AND t.available_at <= $3)
             OR (t.status = 'PROCESSING' AND t.lease_expires_at <= $3))
        RETURNING ${COLUMNS.map((c) => `t.${c}`).join(', ')}, t.last_attempt, previous.status AS previous_status
      )${
        history
          ? `, interrupted AS (
        UPDATE ${attempts} AS a
           SET outcome = 'interrupted', finished_at = $3, duration_ms = ${durationTo('$3')},
               error = ${literal(LEASE_EXPIRED_ERROR)}
          FROM claimed
         WHERE claimed.previous_status = 'PROCESSING' AND a.transaction_id = claimed.transaction_id
           AND a.outcome IS NULL
      ), opened AS (
        INSERT INTO ${attempts} (transaction_id, attempt, started_at)
        SELECT transaction_id, last_attempt, $3 FROM claimed
        ON CONFLICT (transaction_id, attempt) DO NOTHING
      )`
          : ''
      }
      SELECT * FROM claimed`,
    // Completions are counted in the statement that records them, and a replay out of PROCESSED
    // counts itself out in its own, so the count stays exact; the count's shard ($4) is this
    // store's own. With the history, $5 and $6 hold each id's HTTP status and excerpt.
    completeMany: `
      WITH done AS (
        UPDATE ${table}
           SET status = 'PROCESSED', processed_at = $3, updated_at = $3, last_error = NULL,
               lease_owner = NULL, lease_expires_at = NULL
         WHERE transaction_id IN (SELECT transaction_id FROM ${table} WHERE transaction_id = ANY($1::text[])
                                   ORDER BY transaction_id FOR UPDATE)
           AND status = 'PROCESSING' AND lease_owner = $2
        RETURNING transaction_id, last_attempt
      ), counted AS (
        INSERT INTO ${processedCount} AS c (shard, n)
        SELECT $4, count(*) FROM done HAVING count(*) > 0
        ON CONFLICT (shard) DO UPDATE SET n = c.n + EXCLUDED.n
      )${
        history
          ? `, closed AS (
        UPDATE ${attempts} AS a
           SET outcome = 'succeeded', finished_at = $3, duration_ms = ${durationTo('$3')}, error = NULL,
               http_status = r.http_status, response_excerpt = r.excerpt
          FROM done JOIN unnest($1::text[], $5::integer[], $6::text[]) AS r (id, http_status, excerpt)
               ON r.id = done.transaction_id
         WHERE a.transaction_id = done.transaction_id AND a.attempt = done.last_attempt AND a.outcome IS NULL
      )`
          : ''
      }
      SELECT transaction_id FROM done`,
    renewLeases: `
      UPDATE ${table} SET lease_expires_at = $3
       WHERE transaction_id = ANY($1::text[]) AND status = 'PROCESSING' AND lease_owner = $2
      RETURNING transaction_id`,
    // Each outcome answers how many transactions it changed (0 or 1); with the history, the HTTP
    // status and excerpt are its last two parameters.
    retryLater: `
      WITH done AS (
        UPDATE ${table}
           SET status = 'RECEIVED', last_error = $3, available_at = $4, updated_at = $5,
               lease_owner = NULL, lease_expires_at = NULL
         WHERE ${leased}
        RETURNING transaction_id, last_attempt
      )${closeAttempt('retrying', '$5', '$3', '$6::integer', '$7::text')}
      SELECT count(*)::integer AS n FROM done`,
    fail: `
      WITH done AS (
        UPDATE ${table}
           SET status = 'FAILED', last_error = $3, updated_at = $4, lease_owner = NULL, lease_expires_at = NULL
         WHERE ${leased}
        RETURNING transaction_id, last_attempt
      )${closeAttempt('failed', '$4', '$3', '$5::integer', '$6::text')}
      SELECT count(*)::integer AS n FROM done`,
    release: `
      WITH done AS (
        UPDATE ${table}
           SET status = 'RECEIVED', attempts = GREATEST(attempts - 1, 0), available_at = $3, updated_at = $3,
               lease_owner = NULL, lease_expires_at = NULL
         WHERE ${leased}
        RETURNING transaction_id, last_attempt
      )${closeAttempt('interrupted', '$3', literal(RELEASED_AT_SHUTDOWN_ERROR), 'NULL', 'NULL')}
      SELECT count(*)::integer AS n FROM done`,
    requeue: `
      UPDATE ${table} SET status = 'RECEIVED', attempts = 0, available_at = $2, updated_at = $2
       WHERE transaction_id = $1 AND status = 'FAILED'
      RETURNING ${SELECTED}`,
    // The row is locked first and its status read after any concurrent writer is done, so the
    // PROCESSED count moves exactly when the row leaves PROCESSED ($3: this store's shard).
    replay: `
      WITH previous AS MATERIALIZED (
        SELECT transaction_id, status FROM ${table} WHERE transaction_id = $1 FOR UPDATE
      ), replayed AS (
        UPDATE ${table} AS t
           SET status = 'RECEIVED', attempts = 0, available_at = $2, updated_at = $2, processed_at = NULL
          FROM previous
         WHERE t.transaction_id = previous.transaction_id AND t.status IN ('PROCESSED', 'FAILED')
        RETURNING ${COLUMNS.map((c) => `t.${c}`).join(', ')}, previous.status AS previous_status
      ), ${countOut('$3')}
      SELECT * FROM replayed`,
    /** A batch of a bulk replay from the picking query `pick` (its last parameter: the shard). */
    replayMatching: (pick: string, shard: string) => `
      WITH picked AS MATERIALIZED (${pick}), replayed AS (
        UPDATE ${table} AS t
           SET status = 'RECEIVED', attempts = 0, available_at = now_param.at, updated_at = now_param.at,
               processed_at = NULL
          FROM picked, (SELECT $1::timestamptz AS at) AS now_param
         WHERE t.transaction_id = picked.transaction_id AND t.status IN ('PROCESSED', 'FAILED')
        RETURNING t.transaction_id, t.attempts, picked.status AS previous_status
      ), ${countOut(shard)}
      SELECT p.transaction_id, p.created_at, r.attempts, r.transaction_id IS NOT NULL AS replayed
        FROM picked AS p LEFT JOIN replayed AS r ON r.transaction_id = p.transaction_id
       ORDER BY p.created_at DESC, p.transaction_id COLLATE "C" DESC`,
    attempts: `
      SELECT * FROM (SELECT * FROM ${attempts} WHERE transaction_id = $1 ORDER BY attempt DESC LIMIT $2) AS a
       ORDER BY attempt`,
    // Each count through the index on its own time: transactions_created, the partial
    // transactions_processed and transactions_failed. One statement, one snapshot. date_bin
    // (PostgreSQL 14) names each row's bucket by its start; computing a number through extract()
    // took four times as long (numeric arithmetic on every row).
    timeline: `
      SELECT 'received' AS kind, date_bin($3::interval, created_at, $1) AS bucket, count(*) AS n
        FROM ${table} WHERE created_at >= $1 AND created_at < $2 GROUP BY 2
      UNION ALL
      SELECT 'processed', date_bin($3::interval, processed_at, $1), count(*)
        FROM ${table} WHERE status = 'PROCESSED' AND processed_at >= $1 AND processed_at < $2 GROUP BY 2
      UNION ALL
      SELECT 'failed', date_bin($3::interval, updated_at, $1), count(*)
        FROM ${table} WHERE status = 'FAILED' AND updated_at >= $1 AND updated_at < $2 GROUP BY 2`,
    oldestDue: `
      SELECT available_at FROM ${table} WHERE status = 'RECEIVED' AND available_at <= $1
       ORDER BY available_at LIMIT 1`,
    // Both scans use their partial index; RECEIVED rows come first, as in the SQLite store.
    findDue: `
      SELECT transaction_id, attempts FROM (
        (SELECT transaction_id, attempts, 0 AS kind, available_at AS due_at FROM ${table}
          WHERE status = 'RECEIVED' AND available_at <= $1 ORDER BY available_at LIMIT $3)
        UNION ALL
        (SELECT transaction_id, attempts, 1 AS kind, lease_expires_at AS due_at FROM ${table}
          WHERE status = 'PROCESSING' AND lease_expires_at <= $2 ORDER BY lease_expires_at LIMIT $3)
      ) AS due
      ORDER BY kind, due_at
      LIMIT $3`,
    leaseOwners: `
      SELECT DISTINCT lease_owner FROM ${table} WHERE status = 'PROCESSING' AND lease_owner IS NOT NULL`,
    expireLeases: `
      UPDATE ${table} SET lease_expires_at = $2 WHERE status = 'PROCESSING' AND lease_owner = $1`,
    byPayment: `
      SELECT ${SELECTED} FROM ${table} WHERE payment_id = $1 ORDER BY created_at, transaction_id LIMIT $2`,
    // The open statuses through the status index alone (it includes the provider). One statement,
    // so every figure comes from the same snapshot.
    countByStatus: `
      SELECT (SELECT coalesce(sum(n), 0) FROM ${schema}.processed_count) AS processed,
             (SELECT coalesce(json_agg(g), '[]') FROM (${openCounts}) AS g) AS open`,
    // Retention. The oldest finished rows are picked through their partial index and locked, and
    // rows another transaction holds at this moment (a completion, a requeue, another worker's
    // retention) are skipped rather than waited for: batches of several workers never overlap and
    // never wait on each other's rows, so the only lock one can wait for is its count shard, taken
    // last. The delete repeats the status and age conditions on the locked rows. Rows recorded
    // about these transactions in other tables are deleted in this statement too, as another
    // data-modifying step joined on \`deleted\`. PROCESSED rows leave the count in the same
    // statement, from this store's shard (a shard may go below zero; only the sum is read).
    deleteFinished: `
      WITH picked AS MATERIALIZED (
        SELECT transaction_id FROM ${table}
         WHERE status IN (${FINISHED}) AND updated_at < $1
         ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED
      ), deleted AS (
        DELETE FROM ${table} AS t USING picked
         WHERE t.transaction_id = picked.transaction_id AND t.status IN (${FINISHED}) AND t.updated_at < $1
        RETURNING t.transaction_id, t.status
      ), attempts_deleted AS (
        DELETE FROM ${schema}.transaction_attempts AS a USING deleted
         WHERE a.transaction_id = deleted.transaction_id
      ), counted AS (
        INSERT INTO ${schema}.processed_count AS c (shard, n)
        SELECT $3, -count(*) FROM deleted WHERE status = 'PROCESSED' HAVING count(*) > 0
        ON CONFLICT (shard) DO UPDATE SET n = c.n + EXCLUDED.n
      )
      SELECT count(*) AS n FROM deleted`,
    erasePayloads: `
      WITH picked AS MATERIALIZED (
        SELECT transaction_id FROM ${table}
         WHERE status IN (${FINISHED}) AND payload_erased_at IS NULL AND updated_at < $1
         ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED
      )
      UPDATE ${table} AS t SET payload = '', payload_erased_at = $3 FROM picked
       WHERE t.transaction_id = picked.transaction_id AND t.status IN (${FINISHED})
         AND t.payload_erased_at IS NULL AND t.updated_at < $1`,
    // The row is locked first, so the status read is the one the erasure acts on.
    erasePayload: `
      WITH target AS (
        SELECT transaction_id, status FROM ${table} WHERE transaction_id = $1 FOR UPDATE
      ), erased AS (
        UPDATE ${table} AS t SET payload = '', payload_erased_at = coalesce(t.payload_erased_at, $2)
          FROM target WHERE t.transaction_id = target.transaction_id AND target.status IN (${FINISHED})
        RETURNING 1
      )
      SELECT status, (SELECT count(*) FROM erased) AS erased FROM target`,
    storageSize: `
      SELECT coalesce(sum(pg_total_relation_size(to_regclass(name))), 0) AS bytes
        FROM unnest($1::text[]) AS name`,
    stats: `
      SELECT (SELECT coalesce(sum(n), 0) FROM ${schema}.processed_count) AS processed,
             (SELECT coalesce(json_agg(g), '[]') FROM (${openCounts}) AS g) AS open,
             (SELECT min(created_at) FROM ${table} WHERE status = 'RECEIVED') AS oldest_received,
             (SELECT count(*) FROM ${table} WHERE status = 'FAILED' AND updated_at >= $1) AS recent_failures`,
    // One statement: the row is created on first use, and an existing one is taken only when its
    // lease is free or expired (and the run is due, when asked). Two takers never both win: the
    // second waits for the first's row lock, then sees its lease.
    takeReconcileLease: `
      INSERT INTO ${schema}.reconcile_state AS s (provider, lease_owner, lease_expires_at) VALUES ($1, $2, $4)
      ON CONFLICT (provider) DO UPDATE SET lease_owner = EXCLUDED.lease_owner, lease_expires_at = EXCLUDED.lease_expires_at
       WHERE (s.lease_expires_at IS NULL OR s.lease_expires_at <= $3) AND (NOT $5 OR s.next_run_at <= $3)
      RETURNING watermark`,
    renewReconcileLease: `
      UPDATE ${schema}.reconcile_state SET lease_expires_at = $3 WHERE provider = $1 AND lease_owner = $2`,
    releaseReconcileLease: `
      UPDATE ${schema}.reconcile_state SET lease_owner = NULL, lease_expires_at = NULL
       WHERE provider = $1 AND lease_owner = $2`,
    recordReconcileRun: `
      UPDATE ${schema}.reconcile_state
         SET lease_owner = NULL, lease_expires_at = NULL, next_run_at = $3,
             watermark = GREATEST(watermark, $4::timestamptz),
             run_started_at = $5, run_finished_at = $6, run_checked = $7, run_recovered = $8,
             run_mismatches = $9, run_error = $10::text,
             last_success_at = CASE WHEN $10::text IS NULL THEN $6 ELSE last_success_at END,
             consecutive_failures = CASE WHEN $10::text IS NULL THEN 0 ELSE consecutive_failures + 1 END,
             mismatch_count = coalesce($11::integer, mismatch_count)
       WHERE provider = $1 AND lease_owner = $2`,
    clearMismatches: `DELETE FROM ${schema}.reconcile_mismatches WHERE provider = $1`,
    insertMismatches: `
      INSERT INTO ${schema}.reconcile_mismatches
             (provider, payment_id, provider_status, derived_status, amount, currency, created_at)
      SELECT $1, payment_id, provider_status, derived_status, amount, currency, created_at
        FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::timestamptz[])
             AS m (payment_id, provider_status, derived_status, amount, currency, created_at)
      ON CONFLICT (provider, payment_id) DO NOTHING`,
    reconcileStatuses: `SELECT * FROM ${schema}.reconcile_state ORDER BY provider COLLATE "C"`,
    listMismatches: `
      SELECT * FROM ${schema}.reconcile_mismatches
       ORDER BY amount DESC, provider, payment_id COLLATE "C" LIMIT $1`,
  };
}

/**
 * Creates the schema if missing and applies the migrations it lacks, in one transaction holding an
 * advisory lock, so processes starting together migrate one after another and the later ones find
 * nothing to do. Existing objects are looked up rather than created `IF NOT EXISTS`, because those
 * still require the CREATE privilege: a role limited to reading and writing rows can start the
 * service once `npm run migrate` has run with an owner's role.
 */
async function migrate(client: pg.PoolClient, schemaName: string, schema: string): Promise<void> {
  await client.query('BEGIN');
  try {
    // Transaction-scoped: released at COMMIT or ROLLBACK, even if this process dies mid-way.
    await client.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [
      MIGRATION_LOCK_KEY,
      schemaName,
    ]);
    const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schemaName]);
    if (found.rowCount === 0) await client.query(`CREATE SCHEMA ${schema}`);
    const tracked = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
      `${schema}.schema_migrations`,
    ]);
    if (!tracked.rows[0]?.exists) {
      await client.query(
        `CREATE TABLE ${schema}.schema_migrations (
           version    integer PRIMARY KEY,
           name       text NOT NULL,
           applied_at timestamptz NOT NULL
         )`,
      );
    }
    const applied = await client.query<{ version: number }>(
      `SELECT version FROM ${schema}.schema_migrations`,
    );
    const done = new Set(applied.rows.map((r) => r.version));
    const pending = POSTGRES_MIGRATIONS.filter((m) => !done.has(m.version));
    if (pending.length > 0) {
      await client.query(`SELECT set_config('search_path', $1, true)`, [schema]);
      for (const migration of pending) {
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO ${schema}.schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
          [migration.version, migration.name, new Date()],
        );
      }
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Transaction store on PostgreSQL (node-postgres). The store owns its connection pool: `ready()`
 * opens it and migrates the schema, `close()` ends it. Every state change is one conditional
 * statement; times come from this process's clock (`Date.now()`), as in the other stores, so
 * processes on different stores or hosts with a skewed database clock agree on leases.
 */
export class PostgresStore implements TransactionStore {
  readonly #schemaName: string;
  readonly #schema: string;
  readonly #sql: ReturnType<typeof statements>;
  #pool: pg.Pool | undefined;
  #opening: Promise<void> | undefined;
  readonly #claims = new KeyedCallBatchers<string, Claim | null>();
  readonly #completions = new KeyedCallBatchers<{ id: string; response: AttemptResponse }, boolean>();
  readonly #countShard = Math.floor(Math.random() * PROCESSED_COUNT_SHARDS);
  readonly #recordAttempts: boolean;

  constructor(private readonly options: PostgresStoreOptions) {
    this.#schemaName = options.schema ?? 'public';
    this.#schema = quoteSchema(this.#schemaName);
    this.#recordAttempts = options.recordAttempts ?? true;
    this.#sql = statements(this.#schema, this.#recordAttempts);
  }

  async ready(): Promise<void> {
    if (this.#pool) return;
    this.#opening ??= this.open().finally(() => {
      this.#opening = undefined;
    });
    await this.#opening;
  }

  private async open(): Promise<void> {
    const pool = new pg.Pool({
      connectionString: this.options.connectionString,
      max: this.options.poolSize ?? DEFAULT_POSTGRES_POOL_SIZE,
    });
    // Without a listener, an idle connection's error would be thrown as an uncaught exception.
    pool.on('error', (error) => this.options.onIdleError?.(error));
    try {
      const client = await pool.connect();
      try {
        await migrate(client, this.#schemaName, this.#schema);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    this.#pool = pool;
  }

  async close(): Promise<void> {
    await this.#opening?.catch(() => undefined);
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.end();
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  private get pool(): pg.Pool {
    if (!this.#pool) throw new Error('PostgresStore used before ready()');
    return this.#pool;
  }

  async insertMany(items: readonly NewTransaction[]): Promise<InsertOutcome[]> {
    if (items.length === 0) return [];
    // A repeated id is a duplicate of its first occurrence, so only first occurrences are offered.
    const firsts = new Map<string, NewTransaction>();
    for (const item of items) if (!firsts.has(item.transactionId)) firsts.set(item.transactionId, item);
    const records = new Map<string, TransactionRecord>();
    const inserted = new Set<string>();
    let offered = [...firsts.values()];
    for (let round = 1; offered.length > 0 && round <= INSERT_ROUNDS; round++) {
      const { rows: created } = await this.pool.query<{ transaction_id: string }>(this.#sql.insertMany, [
        offered.map((i) => i.transactionId),
        offered.map((i) => i.sourceAccount),
        offered.map((i) => i.destinationAccount),
        offered.map((i) => (i.amount === null ? null : String(i.amount))),
        offered.map((i) => i.currency),
        offered.map((i) => i.receivedAt),
        offered.map((i) => i.deliveryId),
        offered.map((i) => i.requestId),
        offered.map((i) => i.payload),
        offered.map((i) => i.provider),
        offered.map((i) => i.eventType),
        offered.map((i) => i.paymentId),
        offered.map((i) => i.paymentStatus),
        offered.map((i) => i.receivedVia ?? 'webhook'),
      ]);
      for (const { transaction_id: id } of created) {
        inserted.add(id);
        records.set(id, receivedRecord(firsts.get(id)!));
      }
      const existing = offered.filter((i) => !inserted.has(i.transactionId)).map((i) => i.transactionId);
      if (existing.length === 0) break;
      const { rows } = await this.pool.query<Row>(this.#sql.getMany, [existing]);
      for (const row of rows) records.set(row.transaction_id, toRecord(row));
      // A row that made the insert skip an id can be deleted by retention before it is read: the
      // id is then offered again, and stored as new.
      offered = offered.filter((i) => !records.has(i.transactionId));
    }
    return insertOutcomesInOrder(items, records, inserted);
  }

  async get(transactionId: string): Promise<TransactionRecord | null> {
    const { rows } = await this.pool.query<Row>(this.#sql.get, [transactionId]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /**
   * Claims are batched per owner and lease length: a worker whose thousand handlers end together
   * claims their successors in a few statements (and commits) instead of a thousand.
   */
  async claim(transactionId: string, owner: string, leaseMs: number): Promise<Claim | null> {
    return this.#claims.submit(`${leaseMs}:${owner}`, transactionId, (ids) =>
      this.claimMany(ids, owner, leaseMs),
    );
  }

  private async claimMany(ids: string[], owner: string, leaseMs: number): Promise<(Claim | null)[]> {
    const now = Date.now();
    const { rows } = await this.pool.query<
      Row & { last_attempt: number; previous_status: TransactionStatus }
    >(this.#sql.claimMany, [ids, owner, new Date(now), new Date(now + leaseMs)]);
    const claimed = new Map(rows.map((row) => [row.transaction_id, row]));
    // An id asked for twice in one batch is claimed once: the later asks find the lease held, as
    // they would have one after the other.
    return ids.map((id) => {
      const row = claimed.get(id);
      if (!row) return null;
      claimed.delete(id);
      return {
        record: toRecord(row),
        reclaimed: row.previous_status === 'PROCESSING',
        attempt: row.last_attempt,
      };
    });
  }

  async renewLeases(transactionIds: readonly string[], owner: string, leaseMs: number): Promise<string[]> {
    if (transactionIds.length === 0) return [];
    const { rows } = await this.pool.query<{ transaction_id: string }>(this.#sql.renewLeases, [
      transactionIds,
      owner,
      new Date(Date.now() + leaseMs),
    ]);
    const held = new Set(rows.map((r) => r.transaction_id));
    return transactionIds.filter((id) => held.has(id));
  }

  /** Batched per owner, like {@link PostgresStore.claim}. */
  async complete(transactionId: string, owner: string, response = NO_RESPONSE): Promise<boolean> {
    return this.#completions.submit(owner, { id: transactionId, response }, (asks) =>
      this.completeMany(asks, owner),
    );
  }

  private async completeMany(
    asks: { id: string; response: AttemptResponse }[],
    owner: string,
  ): Promise<boolean[]> {
    const ids = asks.map((a) => a.id);
    const values: unknown[] = [ids, owner, new Date(), this.#countShard];
    if (this.#recordAttempts) {
      // Once per id (the first ask's answer): a repeated id completes once anyway.
      const responses = new Map<string, AttemptResponse>();
      for (const { id, response } of asks) if (!responses.has(id)) responses.set(id, response);
      const unique = [...responses.keys()];
      values[0] = unique;
      values.push(
        unique.map((id) => responses.get(id)!.httpStatus),
        unique.map((id) => responses.get(id)!.responseExcerpt),
      );
    }
    const { rows } = await this.pool.query<{ transaction_id: string }>(this.#sql.completeMany, values);
    const completed = new Set(rows.map((r) => r.transaction_id));
    // As with claims, only the first of repeated ids completes.
    return ids.map((id) => completed.delete(id));
  }

  async retryLater(
    transactionId: string,
    owner: string,
    error: string,
    availableAt: Date,
    response = NO_RESPONSE,
  ): Promise<boolean> {
    return this.changed(
      this.#sql.retryLater,
      [transactionId, owner, error, availableAt, new Date()],
      response,
    );
  }

  async fail(transactionId: string, owner: string, error: string, response = NO_RESPONSE): Promise<boolean> {
    return this.changed(this.#sql.fail, [transactionId, owner, error, new Date()], response);
  }

  async release(transactionId: string, owner: string): Promise<boolean> {
    return this.changed(this.#sql.release, [transactionId, owner, new Date()]);
  }

  /** Runs an outcome statement (with the attempt's HTTP status and excerpt when the history is kept). */
  private async changed(text: string, values: unknown[], response?: AttemptResponse): Promise<boolean> {
    if (response && this.#recordAttempts) values.push(response.httpStatus, response.responseExcerpt);
    const { rows } = await this.pool.query<{ n: number }>(text, values);
    return rows[0]?.n === 1;
  }

  async requeue(transactionId: string): Promise<TransactionRecord | null> {
    const { rows } = await this.pool.query<Row>(this.#sql.requeue, [transactionId, new Date()]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async replay(transactionId: string): Promise<TransactionRecord | null> {
    const { rows } = await this.pool.query<Row>(this.#sql.replay, [
      transactionId,
      new Date(),
      this.#countShard,
    ]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async countReplayable(selection: ReplaySelection): Promise<number> {
    const sql = new SqlConditions(POSTGRES).replayable(selection);
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.#schema}.transactions ${sql.where()}`,
      sql.params,
    );
    return Number(rows[0]!.n);
  }

  async replayMatching(selection: ReplaySelection, query: ReplayBatchQuery): Promise<ReplayBatch> {
    const sql = new SqlConditions(POSTGRES);
    // $1 is the replay's time (see the statement).
    sql.param(new Date());
    sql.replayable(selection).add('updated_at <= ?', query.finishedBefore).after(query.after);
    const limit = sql.param(query.limit);
    const shard = sql.param(this.#countShard);
    // In the list's order, so following the last row never looks at a row twice; SKIP LOCKED leaves
    // a row another writer holds now to a later call rather than waiting (and risking a deadlock
    // with a claim that locks in id order).
    const pick = `SELECT transaction_id, created_at, status FROM ${this.#schema}.transactions ${sql.where()}
       ORDER BY created_at DESC, transaction_id COLLATE "C" DESC LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
    const { rows } = await this.pool.query<{
      transaction_id: string;
      created_at: Date;
      attempts: number | null;
      replayed: boolean;
    }>(this.#sql.replayMatching(pick, shard), sql.params);
    const last = rows.at(-1);
    return {
      replayed: rows
        .filter((r) => r.replayed)
        .map((r) => ({ transactionId: r.transaction_id, attempts: r.attempts ?? 0 })),
      next: last ? { createdAt: last.created_at, transactionId: last.transaction_id } : null,
    };
  }

  async listAttempts(transactionId: string, limit: number): Promise<TransactionAttempt[]> {
    const { rows } = await this.pool.query<AttemptRow>(this.#sql.attempts, [transactionId, limit]);
    return rows.map(toAttempt);
  }

  async timeline(query: TimelineQuery): Promise<TimelineCounts[]> {
    const { rows } = await this.pool.query<{
      kind: 'received' | 'processed' | 'failed';
      bucket: Date;
      n: string;
    }>(this.#sql.timeline, [query.from, query.to, `${query.bucketMs} milliseconds`]);
    const from = query.from.getTime();
    return mergeTimelineCounts(
      rows.map((r) => ({ ...r, bucket: Math.round((r.bucket.getTime() - from) / query.bucketMs) })),
    );
  }

  async oldestDueReceivedAt(now: Date): Promise<Date | null> {
    const { rows } = await this.pool.query<{ available_at: Date }>(this.#sql.oldestDue, [now]);
    return rows[0]?.available_at ?? null;
  }

  async findDue(query: DueQuery): Promise<DueTransaction[]> {
    if (query.limit <= 0) return [];
    const { rows } = await this.pool.query<{ transaction_id: string; attempts: number }>(this.#sql.findDue, [
      query.receivedBefore,
      query.leaseExpiredBefore,
      query.limit,
    ]);
    return rows.map((r) => ({ transactionId: r.transaction_id, attempts: r.attempts }));
  }

  async leaseOwners(): Promise<string[]> {
    const { rows } = await this.pool.query<{ lease_owner: string }>(this.#sql.leaseOwners);
    return rows.map((r) => r.lease_owner);
  }

  async expireLeases(owner: string): Promise<number> {
    const { rowCount } = await this.pool.query(this.#sql.expireLeases, [owner, new Date()]);
    return rowCount ?? 0;
  }

  async findByPayment(paymentId: string, limit: number): Promise<TransactionRecord[]> {
    const { rows } = await this.pool.query<Row>(this.#sql.byPayment, [paymentId, limit]);
    return rows.map(toRecord);
  }

  async countByStatus(): Promise<Record<TransactionStatus, number>> {
    const { rows } = await this.pool.query<{ processed: string; open: OpenCount[] }>(this.#sql.countByStatus);
    return statusCounts(rows[0]!.open, Number(rows[0]!.processed));
  }

  async list(query: TransactionListQuery): Promise<TransactionSummary[]> {
    const { text, params } = listClauses(POSTGRES, `${this.#schema}.transactions`, query);
    const { rows } = await this.pool.query<SummaryRow>(`SELECT ${SUMMARY_COLUMNS} ${text}`, params);
    return rows.map(toSummary);
  }

  async stats(failedSince: Date): Promise<TransactionStats> {
    const { rows } = await this.pool.query<{
      processed: string;
      open: OpenCount[];
      oldest_received: Date | null;
      recent_failures: string;
    }>(this.#sql.stats, [failedSince]);
    const row = rows[0]!;
    return statsFrom(row.open, Number(row.processed), {
      oldestReceivedAt: row.oldest_received,
      recentFailures: Number(row.recent_failures),
    });
  }

  async countFailed(selection: RetrySelection): Promise<number> {
    const sql = new SqlConditions(POSTGRES).failed(selection);
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.#schema}.transactions ${sql.where()}`,
      sql.params,
    );
    return Number(rows[0]!.n);
  }

  async requeueFailed(
    selection: RetrySelection,
    failedBefore: Date,
    limit: number,
  ): Promise<DueTransaction[]> {
    const table = `${this.#schema}.transactions`;
    const sql = new SqlConditions(POSTGRES);
    const now = sql.param(new Date());
    sql.failed(selection).add('updated_at <= ?', failedBefore);
    const batch = sql.param(limit);
    // The batch is picked once (MATERIALIZED: as an IN subquery the planner may run it again per
    // row, and the LIMIT would not bound the update); SKIP LOCKED leaves rows another retry or a
    // worker holds at this moment to a later batch rather than waiting for them.
    const { rows } = await this.pool.query<{ transaction_id: string; attempts: number }>(
      `WITH picked AS MATERIALIZED (
         SELECT transaction_id FROM ${table} ${sql.where()} LIMIT ${batch} FOR UPDATE SKIP LOCKED)
       UPDATE ${table} AS t SET status = 'RECEIVED', attempts = 0, available_at = ${now}, updated_at = ${now}
         FROM picked WHERE t.transaction_id = picked.transaction_id AND t.status = 'FAILED'
       RETURNING t.transaction_id, t.attempts`,
      sql.params,
    );
    return rows.map((r) => ({ transactionId: r.transaction_id, attempts: r.attempts }));
  }

  async takeReconcileLease(
    provider: Provider,
    owner: string,
    leaseMs: number,
    { whenDue }: { whenDue: boolean },
  ): Promise<ReconcileLease | null> {
    const now = Date.now();
    const { rows } = await this.pool.query<{ watermark: Date | null }>(this.#sql.takeReconcileLease, [
      provider,
      owner,
      new Date(now),
      new Date(now + leaseMs),
      whenDue,
    ]);
    return rows[0] ? { watermark: rows[0].watermark } : null;
  }

  async renewReconcileLease(provider: Provider, owner: string, leaseMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(this.#sql.renewReconcileLease, [
      provider,
      owner,
      new Date(Date.now() + leaseMs),
    ]);
    return rowCount === 1;
  }

  async releaseReconcileLease(provider: Provider, owner: string): Promise<void> {
    await this.pool.query(this.#sql.releaseReconcileLease, [provider, owner]);
  }

  async recordReconcileRun(owner: string, record: ReconcileRunRecord): Promise<boolean> {
    const { run, mismatches } = record;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rowCount } = await client.query(this.#sql.recordReconcileRun, [
        run.provider,
        owner,
        record.nextRunAt,
        record.watermark ?? null,
        run.startedAt,
        run.finishedAt,
        run.checked,
        run.recovered,
        run.mismatches,
        run.error,
        mismatches?.count ?? null,
      ]);
      if (rowCount !== 1) {
        await client.query('ROLLBACK');
        return false;
      }
      if (mismatches) {
        const kept = mismatches.kept;
        await client.query(this.#sql.clearMismatches, [run.provider]);
        await client.query(this.#sql.insertMismatches, [
          run.provider,
          kept.map((m) => m.paymentId),
          kept.map((m) => m.providerStatus),
          kept.map((m) => m.derivedStatus),
          kept.map((m) => String(m.amount)),
          kept.map((m) => m.currency),
          kept.map((m) => m.createdAt),
        ]);
      }
      await client.query('COMMIT');
      return true;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async reconcileStatuses(): Promise<ReconcileStatus[]> {
    const { rows } = await this.pool.query<ReconcileStateRow>(this.#sql.reconcileStatuses);
    return rows.map(toReconcileStatus);
  }

  async listMismatches(limit: number): Promise<PaymentMismatch[]> {
    const { rows } = await this.pool.query<MismatchRow>(this.#sql.listMismatches, [limit]);
    return rows.map(toMismatch);
  }

  async deleteFinished(before: Date, limit: number): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(this.#sql.deleteFinished, [
      before,
      limit,
      this.#countShard,
    ]);
    return Number(rows[0]!.n);
  }

  async erasePayloads(before: Date, limit: number): Promise<number> {
    const { rowCount } = await this.pool.query(this.#sql.erasePayloads, [before, limit, new Date()]);
    return rowCount ?? 0;
  }

  async erasePayload(transactionId: string): Promise<PayloadErasure> {
    const { rows } = await this.pool.query<{ status: TransactionStatus; erased: string }>(
      this.#sql.erasePayload,
      [transactionId, new Date()],
    );
    const row = rows[0];
    if (!row) return 'not-found';
    return Number(row.erased) > 0 ? 'erased' : 'unfinished';
  }

  /**
   * The store's tables with their indexes and TOAST, as PostgreSQL counts them; space freed by
   * deletions is reused by the table once vacuumed, which PostgreSQL does not report cheaply.
   */
  async storageSize(): Promise<StorageSize> {
    const names = STORE_TABLES.map((t) => `${this.#schema}.${t}`);
    const { rows } = await this.pool.query<{ bytes: string }>(this.#sql.storageSize, [names]);
    return { bytes: Number(rows[0]!.bytes), reusableBytes: null };
  }
}
