import type { Provider } from '../domain/provider-event.js';
import type { PaymentMismatch, ReconcileRun, ReconcileStatus } from '../domain/reconciliation.js';
import type { ReplaySelection } from '../domain/replay.js';
import type { TimelineCounts, TimelineQuery } from '../domain/timeline.js';
import type { NewTransaction, TransactionRecord, TransactionStatus } from '../domain/transaction.js';
import type { AttemptResponse, TransactionAttempt } from '../domain/transaction-attempt.js';
import type {
  KeysetPosition,
  RetrySelection,
  TransactionListQuery,
  TransactionStats,
  TransactionSummary,
} from '../domain/transaction-query.js';

/** The result of offering one transaction to the store. */
export interface InsertOutcome {
  /** True when this call created the record; false when one with the same id already existed. */
  inserted: boolean;
  /** The stored record: the new one, or the first delivery's (never overwritten). */
  record: TransactionRecord;
}

/** A successful claim of a transaction for processing. */
export interface Claim {
  record: TransactionRecord;
  /** True when the claim took over an expired PROCESSING lease rather than a RECEIVED row. */
  reclaimed: boolean;
  /**
   * The number of the attempt this claim opened in the transaction's history (1, 2, …, continuing
   * across retries and replays).
   */
  attempt: number;
}

/** Which transactions a recovery sweep should dispatch again. */
export interface DueQuery {
  /** RECEIVED rows that became available at or before this instant. */
  receivedBefore: Date;
  /** PROCESSING rows whose lease expired at or before this instant. */
  leaseExpiredBefore: Date;
  /** At most this many ids. */
  limit: number;
}

/** A transaction a recovery sweep should dispatch again, with its attempt count (the job's dedupe key). */
export interface DueTransaction {
  transactionId: string;
  attempts: number;
}

/** A provider's reconciliation lease, as taken: what the run starts from. */
export interface ReconcileLease {
  /** The stored watermark (Stripe), or null before the first complete run. */
  watermark: Date | null;
}

/** What a reconciliation run records when it ends (see {@link TransactionStore.recordReconcileRun}). */
export interface ReconcileRunRecord {
  run: ReconcileRun;
  /** When the provider's next scheduled run is due. */
  nextRunAt: Date;
  /** A complete run's new watermark; the stored one only ever moves later. Absent: unchanged. */
  watermark?: Date;
  /**
   * A complete run's mismatches: the kept ones (at most `MAX_KEPT_MISMATCHES`, the largest) and how
   * many it found in all. They replace the provider's previous ones. Absent: left as they are (a
   * failed run, or a provider without a state check).
   */
  mismatches?: { kept: readonly PaymentMismatch[]; count: number };
}

/** What erasing one transaction's payload on request found. */
export type PayloadErasure =
  /** The payload is gone (erased now, or already before). */
  | 'erased'
  /** The transaction is RECEIVED or PROCESSING: its payload is still needed, and was kept. */
  | 'unfinished'
  | 'not-found';

/** How much space a store takes, as far as its engine can tell. */
export interface StorageSize {
  /** Bytes the store's data occupies (files, tables and their indexes). */
  bytes: number;
  /** Of those, bytes freed by deletions and ready to be reused, where the engine reports it. */
  reusableBytes: number | null;
}

/** One batch of a bulk replay: the conditions, where the batch starts, and its size. */
export interface ReplayBatchQuery {
  /** Only transactions last changed (completed, failed) at or before this instant. */
  finishedBefore: Date;
  /** Start after this row, in the list's order (newest first); absent for the first batch. */
  after?: KeysetPosition;
  /** At most this many rows looked at. */
  limit: number;
}

/** What one batch of a bulk replay did. */
export interface ReplayBatch {
  /** The transactions it replayed, with their reset attempt count (the job's dedupe key). */
  replayed: DueTransaction[];
  /** Where the next batch starts (the last row looked at); null once no row was left to look at. */
  next: KeysetPosition | null;
}

/**
 * The port every transaction store implements. The store is the source of truth: the queue only
 * rings a doorbell, and every state change here is a single atomic conditional statement, so
 * correctness never depends on the queue delivering a job exactly once.
 *
 * An adapter owns its connections: `ready()` opens them and prepares the schema, `close()` releases
 * them. Every lease-holding method is conditional on `owner` still holding the lease, so a worker
 * that stalled past its lease cannot complete, fail or release a transaction another worker took.
 *
 * Each transaction keeps a history of attempts (see `TransactionAttempt`): a claim opens one, and
 * the lease-holding method that records the outcome closes it, in the same statement or transaction
 * as the transaction's own change where the engine has them (the SQL stores), so the history costs
 * no round trip of its own there.
 */
export interface TransactionStore {
  /** Opens connections and creates or migrates the schema. Idempotent. */
  ready(): Promise<void>;
  /** Releases connections. Safe to call more than once. */
  close(): Promise<void>;
  /** Resolves when the engine answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;

  /**
   * Inserts each transaction unless one with the same id exists, atomically per item (no
   * check-then-insert). SQL adapters commit the whole batch in one transaction; an engine without
   * multi-document transactions (MongoDB standalone) may commit part of a batch before failing, and
   * offering the batch again is safe. Outcomes are in input order; a repeated id within the batch is
   * a duplicate of its first occurrence. Resolves only once every item is durably committed.
   */
  insertMany(items: readonly NewTransaction[]): Promise<InsertOutcome[]>;

  /** The transaction with this id, or null. */
  get(transactionId: string): Promise<TransactionRecord | null>;

  /**
   * Takes the transaction for processing if it is RECEIVED and available, or PROCESSING with an
   * expired lease: status PROCESSING, lease held by `owner` until now + `leaseMs`, attempts + 1.
   * Opens the next attempt of its history (started now); taking over an expired lease first closes
   * the attempt left open as `interrupted`. Null when the transaction is absent, finished, in
   * backoff, or leased by someone else.
   */
  claim(transactionId: string, owner: string, leaseMs: number): Promise<Claim | null>;

  /** Extends the leases `owner` still holds among `transactionIds`; returns the ids it still holds. */
  renewLeases(transactionIds: readonly string[], owner: string, leaseMs: number): Promise<string[]>;

  /**
   * PROCESSING -> PROCESSED with `processedAt` and `lastError` cleared (earlier errors stay in the
   * attempts), only while `owner` holds the lease; the open attempt is closed as `succeeded` with
   * `response`.
   */
  complete(transactionId: string, owner: string, response?: AttemptResponse): Promise<boolean>;

  /**
   * PROCESSING -> RECEIVED with `lastError`, not claimable before `availableAt`, only while `owner`
   * holds the lease; the open attempt is closed as `retrying` with `error` and `response`.
   */
  retryLater(
    transactionId: string,
    owner: string,
    error: string,
    availableAt: Date,
    response?: AttemptResponse,
  ): Promise<boolean>;

  /**
   * PROCESSING -> FAILED with `lastError`, only while `owner` holds the lease; the open attempt is
   * closed as `failed` with `error` and `response`.
   */
  fail(transactionId: string, owner: string, error: string, response?: AttemptResponse): Promise<boolean>;

  /**
   * PROCESSING -> RECEIVED, available now, attempts - 1, only while `owner` holds the lease: the
   * attempt was interrupted (shutdown) rather than failed, so it does not count against the retry
   * budget. Its record is closed as `interrupted`, with an error saying it was given back.
   */
  release(transactionId: string, owner: string): Promise<boolean>;

  /**
   * PROCESSED or FAILED -> RECEIVED, available now, attempts reset to 0 and `processedAt` cleared,
   * in one conditional statement (or transaction) that also keeps the PROCESSED count exact. Null
   * unless the row was PROCESSED or FAILED. Its attempt history goes on.
   */
  replay(transactionId: string): Promise<TransactionRecord | null>;

  /** How many PROCESSED or FAILED transactions `selection` matches (a bulk replay's dry run). */
  countReplayable(selection: ReplaySelection): Promise<number>;

  /**
   * One batch of a bulk replay: looks at up to `query.limit` transactions of `selection` that are
   * PROCESSED or FAILED and were last changed at or before `query.finishedBefore`, in the list's
   * order after `query.after`, and replays them as {@link TransactionStore.replay} does, in one
   * statement or transaction. Returns those it replayed, so the caller can ring the queue for each,
   * and where the next batch starts. Following `next` never looks at a row twice, and
   * `finishedBefore` leaves out what finished after the replay began, so a loop of calls is finite
   * however fast replayed transactions finish again. A row another writer holds at that moment may
   * be passed over (PostgreSQL); calling again takes it.
   */
  replayMatching(selection: ReplaySelection, query: ReplayBatchQuery): Promise<ReplayBatch>;

  /**
   * The latest `limit` attempts of a transaction, oldest first (empty for an unknown transaction or
   * one never claimed since the history began).
   */
  listAttempts(transactionId: string, limit: number): Promise<TransactionAttempt[]>;

  /**
   * Counts per bucket of `query`: created (received), reached PROCESSED (by `processedAt`), reached
   * FAILED (by the failure's time); only buckets where something happened, in bucket order. Each
   * count is read through an index on its time, so the cost grows with the rows in the span, not
   * with the table.
   */
  timeline(query: TimelineQuery): Promise<TimelineCounts[]>;

  /**
   * When the RECEIVED transaction that has waited longest for a worker became available (its
   * `availableAt`, at or before `now`; retry backoff still running does not count); null when none
   * waits. Read through the recovery sweep's index, so it stays cheap however long the backlog.
   */
  oldestDueReceivedAt(now: Date): Promise<Date | null>;

  /** FAILED -> RECEIVED with attempts reset to 0 and available now; null unless the row was FAILED. */
  requeue(transactionId: string): Promise<TransactionRecord | null>;

  /** RECEIVED rows available before `receivedBefore` and PROCESSING rows whose lease expired. */
  findDue(query: DueQuery): Promise<DueTransaction[]>;

  /** Distinct owners of PROCESSING leases, so a worker can spot owners that are known dead. */
  leaseOwners(): Promise<string[]>;

  /** Ends every lease `owner` holds now (it is known dead), making its rows reclaimable. Returns how many. */
  expireLeases(owner: string): Promise<number>;

  /**
   * The provider events about one payment (records whose `paymentId` is `paymentId`), oldest first,
   * at most `limit` of them.
   */
  findByPayment(paymentId: string, limit: number): Promise<TransactionRecord[]>;

  /**
   * How many transactions are in each status, exactly. Cheap on a large table: the open statuses
   * are counted through their index, PROCESSED from a counter where the engine keeps one (raised
   * by completions, lowered by retention in the same transactions).
   */
  countByStatus(): Promise<Record<TransactionStatus, number>>;

  /**
   * One page of transactions matching `query.filter`, newest first (ties: higher id first, compared
   * byte by byte), starting after `query.after`; at most `query.limit` rows, each read through an
   * index in that order, so a page costs the same wherever it lies.
   */
  list(query: TransactionListQuery): Promise<TransactionSummary[]>;

  /** The operator's figures in one snapshot; `failedSince` bounds {@link TransactionStats.recentFailures}. */
  stats(failedSince: Date): Promise<TransactionStats>;

  /** How many FAILED transactions `selection` matches (a bulk retry's dry run). */
  countFailed(selection: RetrySelection): Promise<number>;

  /**
   * Requeues at most `limit` FAILED transactions matching `selection` whose failure was recorded at
   * or before `failedBefore`, in one conditional statement: FAILED -> RECEIVED, attempts reset to 0,
   * available now, as {@link TransactionStore.requeue} does. Returns those it requeued, so the
   * caller can ring the queue for each. `failedBefore` keeps a loop of calls finite: a transaction
   * requeued by an earlier call that fails again meanwhile is not taken twice.
   */
  requeueFailed(selection: RetrySelection, failedBefore: Date, limit: number): Promise<DueTransaction[]>;

  /**
   * Takes `provider`'s reconciliation lease for `owner` until now + `leaseMs`, in one conditional
   * statement (creating the provider's row on first use): only when no lease is held or the one
   * held has expired (its holder crashed), and, with `whenDue`, only once the provider's next run
   * is due. Null when not taken. Two processes asking at once never both get it.
   */
  takeReconcileLease(
    provider: Provider,
    owner: string,
    leaseMs: number,
    options: { whenDue: boolean },
  ): Promise<ReconcileLease | null>;

  /** Extends the lease while `owner` still holds it; false when it was lost (expired and taken). */
  renewReconcileLease(provider: Provider, owner: string, leaseMs: number): Promise<boolean>;

  /** Gives the lease up without recording a run (shutdown), if `owner` still holds it. */
  releaseReconcileLease(provider: Provider, owner: string): Promise<void>;

  /**
   * Records a run's end and releases the lease, atomically and only while `owner` holds the lease:
   * the run becomes the provider's latest, the watermark moves (later only) and the mismatches are
   * replaced when given. A completed run (no error) resets the failure count and sets the last
   * success; a failed one adds to the count. False, recording nothing, when the lease was lost.
   */
  recordReconcileRun(owner: string, record: ReconcileRunRecord): Promise<boolean>;

  /** Each provider's reconciliation status, for every provider that has had a lease; by provider. */
  reconcileStatuses(): Promise<ReconcileStatus[]>;

  /** The kept mismatches of every provider, largest amount first (see `compareMismatches`), at most `limit`. */
  listMismatches(limit: number): Promise<PaymentMismatch[]>;

  /**
   * Retention: deletes at most `limit` finished transactions (PROCESSED or FAILED) whose last
   * change ({@link TransactionRecord.updatedAt}) is before `before`, oldest first, with everything
   * recorded about them, in one transaction. A RECEIVED or PROCESSING transaction is never deleted,
   * however old: the status and the age are conditions of the deleting statement itself, never
   * checked beforehand, so a claim or a requeue racing the batch either happens first (and the row
   * stays) or finds the row gone. Counts kept beside the rows (PROCESSED) are lowered in the same
   * transaction. Safe to run in several processes at once. Returns how many were deleted.
   */
  deleteFinished(before: Date, limit: number): Promise<number>;

  /**
   * Retention: erases the payload of at most `limit` finished transactions whose last change is
   * before `before` and whose payload is still stored, oldest first, in one conditional statement;
   * their records stay (ids, status, provider fields, amount, currency, times). Returns how many.
   */
  erasePayloads(before: Date, limit: number): Promise<number>;

  /** Erases one finished transaction's payload on request, keeping its record (see {@link PayloadErasure}). */
  erasePayload(transactionId: string): Promise<PayloadErasure>;

  /**
   * Rows per retention batch that keep one batch short on this engine, where that is fewer than
   * retention's own bound of 1,000 rows.
   */
  readonly retentionBatchSize?: number;

  /** How much space the store takes; absent where the engine cannot tell. */
  storageSize?(): Promise<StorageSize>;
}
