import {
  type Collection,
  Decimal128,
  type Filter,
  MongoBulkWriteError,
  MongoClient,
  type UpdateFilter,
} from 'mongodb';
import type { PaymentStatus } from '../../domain/payment-status.js';
import type { Provider } from '../../domain/provider-event.js';
import type { PaymentMismatch, ReconcileStatus } from '../../domain/reconciliation.js';
import { REPLAYABLE_STATUSES, type ReplaySelection } from '../../domain/replay.js';
import { mergeTimelineCounts, type TimelineCounts, type TimelineQuery } from '../../domain/timeline.js';
import {
  FINISHED_STATUSES,
  isFinished,
  type NewTransaction,
  type ReceivedVia,
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
  KeysetPosition,
  RetrySelection,
  TransactionFilter,
  TransactionListQuery,
  TransactionStats,
  TransactionSummary,
} from '../../domain/transaction-query.js';
import { insertOutcomesInOrder } from '../insert-outcomes.js';
import { type OpenCount, statsFrom, statusCounts } from '../open-counts.js';
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

/** Options of {@link MongoStore}. */
export interface MongoStoreOptions {
  /** `mongodb://` or `mongodb+srv://` URL; its query options (pool size, TLS, replica set) apply. */
  url: string;
  /** Database holding the collection. */
  database: string;
  /** Collection of transactions. Default `transactions`. */
  collection?: string;
  /** Collection of their attempts. Default `transaction_attempts`. */
  attemptsCollection?: string;
  /**
   * Whether claims and outcomes write the attempts history. Default true; false exists only so the
   * bench can measure what the history costs per transaction.
   */
  recordAttempts?: boolean;
}

/** One transaction as stored: the field names of the SQL stores' columns, as the original service had. */
interface TransactionDocument {
  transaction_id: string;
  source_account: string | null;
  destination_account: string | null;
  /** Decimal128 keeps the decimal digits given; a double would already be exact, but not queryable as money. */
  amount: Decimal128 | null;
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
  /** Removed when the payload is erased, so the retention index on it drops the document. */
  payload?: string;
  /** When the payload was erased; absent until then. */
  payload_erased_at?: Date;
  /** Absent on documents written before provider events existed: read as null. */
  provider?: Provider | null;
  event_type?: string | null;
  payment_id?: string | null;
  payment_status?: PaymentStatus | null;
  /** Absent on documents written before reconciliation existed: read as `webhook`. */
  received_via?: ReceivedVia;
  /** The number of the latest attempt in the history; absent on documents claimed before it existed. */
  last_attempt?: number;
}

/** A provider's reconciliation: its lease, schedule, watermark and latest run. */
interface ReconcileStateDocument {
  provider: Provider;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  next_run_at: Date;
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

/** A payment whose state differs, as the last complete run of its provider found it. */
interface MismatchDocument {
  provider: Provider;
  payment_id: string;
  provider_status: PaymentStatus | null;
  derived_status: PaymentStatus | null;
  amount: number;
  currency: string | null;
  created_at: Date;
}

function toReconcileStatus(doc: ReconcileStateDocument): ReconcileStatus {
  const finished = doc.run_finished_at ?? null;
  return {
    provider: doc.provider,
    lastRun:
      finished === null
        ? null
        : {
            provider: doc.provider,
            startedAt: doc.run_started_at ?? finished,
            finishedAt: finished,
            checked: doc.run_checked ?? 0,
            recovered: doc.run_recovered ?? 0,
            mismatches: doc.run_mismatches ?? 0,
            error: doc.run_error ?? null,
          },
    lastSuccessAt: doc.last_success_at ?? null,
    consecutiveFailures: doc.consecutive_failures ?? 0,
    mismatchCount: doc.mismatch_count ?? 0,
    watermark: doc.watermark ?? null,
  };
}

/** One attempt of a transaction's history, as stored. */
interface AttemptDocument {
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

function toAttempt(doc: AttemptDocument): TransactionAttempt {
  return {
    transactionId: doc.transaction_id,
    attempt: doc.attempt,
    startedAt: doc.started_at,
    finishedAt: doc.finished_at ?? null,
    durationMs: doc.duration_ms ?? null,
    outcome: doc.outcome ?? null,
    error: doc.error ?? null,
    httpStatus: doc.http_status ?? null,
    responseExcerpt: doc.response_excerpt ?? null,
  };
}

/** PROCESSED and FAILED documents of `selection`, from checked values only (see {@link text}). */
function replayableQuery(selection: ReplaySelection): Filter<TransactionDocument> {
  const replayable = { $in: [...REPLAYABLE_STATUSES] as TransactionStatus[] };
  if (selection.kind === 'ids') {
    return {
      status: replayable,
      transaction_id: { $in: selection.ids.map((id) => text(id, 'transactionId')) },
    };
  }
  const query = filterQuery(selection.filter);
  if (selection.filter.status === undefined) query.status = replayable;
  return query;
}

const DUPLICATE_KEY = 11000;

/**
 * How often `insertMany` offers again the ids it neither inserted nor found: each time, retention
 * deleted the document that made the insert skip an id before it could be read.
 */
const INSERT_ROUNDS = 5;

/** Documents retention may act on. */
const FINISHED: Filter<TransactionDocument> = { status: { $in: [...FINISHED_STATUSES] } };

// Filters below are built only from these checked values. A caller object reaching a filter could
// carry operators (`{ $ne: null }` as an id would match any document), so anything that is not a
// plain string, finite number or valid Date is refused before it gets near the driver.
function text(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  return value;
}

function nullableText(value: unknown, name: string): string | null {
  return value === null ? null : text(value, name);
}

function finite(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new TypeError(`${name} must be a finite number`);
  return value;
}

function nullableFinite(value: unknown, name: string): number | null {
  return value === null ? null : finite(value, name);
}

function instant(value: unknown, name: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw new TypeError(`${name} must be a valid Date`);
  return new Date(value.getTime());
}

/** The documents `filter` means, from checked values only (see {@link text}). */
function filterQuery(filter: TransactionFilter): Filter<TransactionDocument> {
  const query: Filter<TransactionDocument> = {};
  if (filter.status !== undefined) query.status = text(filter.status, 'status') as TransactionStatus;
  if (filter.provider !== undefined) query.provider = text(filter.provider, 'provider') as Provider;
  if (filter.eventType !== undefined) query.event_type = text(filter.eventType, 'eventType');
  if (filter.paymentId !== undefined) query.payment_id = text(filter.paymentId, 'paymentId');
  if (filter.receivedVia !== undefined) {
    // Documents from before reconciliation existed have no field, and arrived as webhooks.
    query.received_via =
      text(filter.receivedVia, 'receivedVia') === 'reconciliation'
        ? 'reconciliation'
        : { $ne: 'reconciliation' };
  }
  if (filter.createdAfter !== undefined || filter.createdBefore !== undefined) {
    query.created_at = {
      ...(filter.createdAfter !== undefined ? { $gte: instant(filter.createdAfter, 'createdAfter') } : {}),
      ...(filter.createdBefore !== undefined ? { $lt: instant(filter.createdBefore, 'createdBefore') } : {}),
    };
  }
  return query;
}

/** Documents after `position` in the list's order: older, or as old with a lower id. */
function afterQuery(position: KeysetPosition): Filter<TransactionDocument> {
  const at = instant(position.createdAt, 'createdAt');
  return {
    $or: [
      { created_at: { $lt: at } },
      { created_at: at, transaction_id: { $lt: text(position.transactionId, 'transactionId') } },
    ],
  };
}

/** FAILED documents of `selection`. */
function failedQuery(selection: RetrySelection): Filter<TransactionDocument> {
  if (selection.kind === 'ids') {
    return {
      status: 'FAILED',
      transaction_id: { $in: selection.ids.map((id) => text(id, 'transactionId')) },
    };
  }
  return { ...filterQuery(selection.filter), status: 'FAILED' };
}

function toDocument(item: NewTransaction): TransactionDocument {
  const receivedAt = instant(item.receivedAt, 'receivedAt');
  return {
    transaction_id: text(item.transactionId, 'transactionId'),
    source_account: nullableText(item.sourceAccount, 'sourceAccount'),
    destination_account: nullableText(item.destinationAccount, 'destinationAccount'),
    amount: toDecimal(nullableFinite(item.amount, 'amount')),
    currency: nullableText(item.currency, 'currency'),
    status: 'RECEIVED',
    created_at: receivedAt,
    updated_at: receivedAt,
    processed_at: null,
    attempts: 0,
    available_at: receivedAt,
    lease_owner: null,
    lease_expires_at: null,
    last_error: null,
    delivery_id: nullableText(item.deliveryId, 'deliveryId'),
    request_id: nullableText(item.requestId, 'requestId'),
    payload: text(item.payload, 'payload'),
    provider: nullableText(item.provider, 'provider') as Provider | null,
    event_type: nullableText(item.eventType, 'eventType'),
    payment_id: nullableText(item.paymentId, 'paymentId'),
    payment_status: nullableText(item.paymentStatus, 'paymentStatus') as PaymentStatus | null,
    received_via: text(item.receivedVia ?? 'webhook', 'receivedVia') as ReceivedVia,
  };
}

const toDecimal = (amount: number | null) => (amount === null ? null : Decimal128.fromString(String(amount)));

function toRecord(doc: TransactionDocument): TransactionRecord {
  return {
    transactionId: doc.transaction_id,
    sourceAccount: doc.source_account,
    destinationAccount: doc.destination_account,
    // Shortest decimal text in, so the text out parses back to the same double.
    amount: doc.amount === null || doc.amount === undefined ? null : Number(doc.amount.toString()),
    currency: doc.currency ?? null,
    provider: doc.provider ?? null,
    eventType: doc.event_type ?? null,
    paymentId: doc.payment_id ?? null,
    paymentStatus: doc.payment_status ?? null,
    status: doc.status,
    createdAt: doc.created_at,
    updatedAt: doc.updated_at,
    processedAt: doc.processed_at ?? null,
    attempts: doc.attempts,
    availableAt: doc.available_at,
    leaseOwner: doc.lease_owner ?? null,
    leaseExpiresAt: doc.lease_expires_at ?? null,
    lastError: doc.last_error ?? null,
    deliveryId: doc.delivery_id ?? null,
    requestId: doc.request_id ?? null,
    receivedVia: doc.received_via ?? 'webhook',
    payload: doc.payload_erased_at ? null : (doc.payload ?? null),
  };
}

/**
 * The batch positions an unordered insertMany skipped because the id already existed; rethrows
 * any other failure, including a write concern error (the batch is then not known to be durable).
 */
function duplicatePositions(error: unknown): Set<number> {
  if (!(error instanceof MongoBulkWriteError)) throw error;
  // The driver gives a batch's write concern failure the code of that failure, not of a write error.
  if (error.code !== DUPLICATE_KEY || error.result.getWriteConcernError()) throw error;
  const writeErrors = error.result.getWriteErrors();
  if (writeErrors.length === 0 || writeErrors.some((e) => e.code !== DUPLICATE_KEY)) throw error;
  return new Set(writeErrors.map((e) => e.index));
}

/**
 * Transaction store on MongoDB (the official driver). The store owns its `MongoClient`: `ready()`
 * connects and creates the indexes (a unique one on `transaction_id`, partial ones for the recovery
 * sweep), `close()` disconnects. Writes use write concern `majority` with journaling, so a call
 * resolves only once the write survives a crash or a failover. Every state change is one
 * conditional single-document update; times come from this process's clock, as in the other stores.
 *
 * A batch insert is not one transaction here (that would need a replica set): each document is
 * inserted atomically and independently. A batch cut short by an error is safe to offer again,
 * since the documents already in are then reported as duplicates of themselves.
 *
 * For the same reason an attempt of the history is written by a second statement, right after the
 * transaction's own change (which stays one conditional update): a crash between the two leaves that
 * attempt missing or open, never the transaction wrong.
 */
export class MongoStore implements TransactionStore {
  #client: MongoClient | undefined;
  #collection: Collection<TransactionDocument> | undefined;
  #reconcileState: Collection<ReconcileStateDocument> | undefined;
  #mismatches: Collection<MismatchDocument> | undefined;
  #attempts: Collection<AttemptDocument> | undefined;
  #opening: Promise<void> | undefined;
  readonly #recordAttempts: boolean;

  constructor(private readonly options: MongoStoreOptions) {
    this.#recordAttempts = options.recordAttempts ?? true;
  }

  async ready(): Promise<void> {
    if (this.#client) return;
    this.#opening ??= this.open().finally(() => {
      this.#opening = undefined;
    });
    await this.#opening;
  }

  private async open(): Promise<void> {
    const client = new MongoClient(this.options.url);
    try {
      await client.connect();
      const collection = client
        .db(this.options.database)
        .collection<TransactionDocument>(this.options.collection ?? 'transactions', {
          writeConcern: { w: 'majority', journal: true },
        });
      // Creating an index that exists with the same options is a no-op, so every start may do it.
      await collection.createIndexes([
        { key: { transaction_id: 1 }, name: 'transaction_id_unique', unique: true },
        {
          key: { available_at: 1 },
          name: 'received_due',
          partialFilterExpression: { status: 'RECEIVED' },
        },
        {
          key: { lease_expires_at: 1 },
          name: 'lease_due',
          partialFilterExpression: { status: 'PROCESSING' },
        },
        {
          key: { payment_id: 1, created_at: 1 },
          name: 'payment_events',
          partialFilterExpression: { payment_id: { $type: 'string' } },
        },
        // The operators' list reads each filter through an index in its order (newest first, then
        // transaction_id); the status index carries the provider for counting the open statuses.
        { key: { created_at: 1, transaction_id: 1 }, name: 'list_created' },
        { key: { status: 1, created_at: 1, transaction_id: 1, provider: 1 }, name: 'list_status' },
        { key: { provider: 1, created_at: 1, transaction_id: 1 }, name: 'list_provider' },
        { key: { event_type: 1, created_at: 1, transaction_id: 1 }, name: 'list_event_type' },
        { key: { updated_at: 1 }, name: 'failed_at', partialFilterExpression: { status: 'FAILED' } },
        // Only the rare recovered events: the list's reconciliation filter reads it in its order.
        {
          key: { created_at: 1, transaction_id: 1 },
          name: 'list_reconciled',
          partialFilterExpression: { received_via: 'reconciliation' },
        },
        // Retention: finished documents by their last change (a partial filter on two statuses
        // needs $in, which servers before 7.0 refuse, so this one holds every document), and the
        // documents whose payload is still there (an erased payload is removed from its document).
        { key: { status: 1, updated_at: 1 }, name: 'retention_finished' },
        {
          key: { updated_at: 1, status: 1 },
          name: 'retention_payloads',
          partialFilterExpression: { payload: { $exists: true } },
        },
        // The timeline counts completions by their time; only PROCESSED documents are in it.
        {
          key: { processed_at: 1 },
          name: 'processed_at',
          partialFilterExpression: { status: 'PROCESSED' },
        },
      ]);
      const db = client.db(this.options.database);
      const writeConcern = { writeConcern: { w: 'majority' as const, journal: true } };
      const reconcileState = db.collection<ReconcileStateDocument>('reconcile_state', writeConcern);
      const mismatches = db.collection<MismatchDocument>('reconcile_mismatches', writeConcern);
      await reconcileState.createIndex({ provider: 1 }, { name: 'provider_unique', unique: true });
      await mismatches.createIndexes([
        { key: { provider: 1, payment_id: 1 }, name: 'mismatch_unique', unique: true },
        { key: { amount: -1, provider: 1, payment_id: 1 }, name: 'largest_first' },
      ]);
      const attempts = client
        .db(this.options.database)
        .collection<AttemptDocument>(this.options.attemptsCollection ?? 'transaction_attempts', {
          writeConcern: { w: 'majority', journal: true },
        });
      await attempts.createIndexes([
        { key: { transaction_id: 1, attempt: 1 }, name: 'attempt_number_unique', unique: true },
      ]);
      this.#client = client;
      this.#collection = collection;
      this.#reconcileState = reconcileState;
      this.#mismatches = mismatches;
      this.#attempts = attempts;
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#opening?.catch(() => undefined);
    const client = this.#client;
    this.#client = undefined;
    this.#collection = undefined;
    this.#reconcileState = undefined;
    this.#mismatches = undefined;
    this.#attempts = undefined;
    await client?.close();
  }

  async ping(): Promise<void> {
    if (!this.#client) throw new Error('MongoStore used before ready()');
    await this.#client.db(this.options.database).command({ ping: 1 });
  }

  private get collection(): Collection<TransactionDocument> {
    if (!this.#collection) throw new Error('MongoStore used before ready()');
    return this.#collection;
  }

  private get attempts(): Collection<AttemptDocument> {
    if (!this.#attempts) throw new Error('MongoStore used before ready()');
    return this.#attempts;
  }

  /** Closes the open attempts of a transaction (a reclaimed lease) as interrupted. */
  async #interruptOpenAttempts(transactionId: string, now: Date): Promise<void> {
    await this.attempts.updateMany({ transaction_id: transactionId, outcome: null }, [
      {
        $set: {
          outcome: 'interrupted',
          finished_at: now,
          duration_ms: { $max: [0, { $subtract: [now, '$started_at'] }] },
          error: { $literal: LEASE_EXPIRED_ERROR },
        },
      },
    ]);
  }

  /** Closes attempt `attempt` of a transaction, if still open. */
  async #closeAttempt(
    transactionId: string,
    attempt: number | undefined,
    now: Date,
    outcome: AttemptOutcome,
    error: string | null,
    response: AttemptResponse,
  ): Promise<void> {
    if (!this.#recordAttempts || attempt === undefined) return;
    const status = response.httpStatus === null ? null : finite(response.httpStatus, 'httpStatus');
    const excerpt =
      response.responseExcerpt === null ? null : text(response.responseExcerpt, 'responseExcerpt');
    // A pipeline update, so the duration comes from the stored start; strings go in as $literal, as
    // a string starting with $ would otherwise name a field.
    await this.attempts.updateOne({ transaction_id: transactionId, attempt, outcome: null }, [
      {
        $set: {
          outcome: { $literal: outcome },
          finished_at: now,
          duration_ms: { $max: [0, { $subtract: [now, '$started_at'] }] },
          error: error === null ? null : { $literal: error },
          http_status: status,
          response_excerpt: excerpt === null ? null : { $literal: excerpt },
        },
      },
    ]);
  }

  async insertMany(items: readonly NewTransaction[]): Promise<InsertOutcome[]> {
    if (items.length === 0) return [];
    // A repeated id is a duplicate of its first occurrence, so only first occurrences are offered.
    const firsts = new Map<string, NewTransaction>();
    for (const item of items) {
      const id = text(item.transactionId, 'transactionId');
      if (!firsts.has(id)) firsts.set(id, item);
    }
    const records = new Map<string, TransactionRecord>();
    const inserted = new Set<string>();
    let documents = [...firsts.values()].map(toDocument);
    for (let round = 1; documents.length > 0 && round <= INSERT_ROUNDS; round++) {
      let skipped = new Set<number>();
      try {
        // Unordered: one existing id must not stop the rest of the batch from going in.
        await this.collection.insertMany(documents, { ordered: false });
      } catch (error) {
        skipped = duplicatePositions(error);
      }
      const existing: string[] = [];
      for (const [i, document] of documents.entries()) {
        if (skipped.has(i)) {
          existing.push(document.transaction_id);
        } else {
          inserted.add(document.transaction_id);
          records.set(document.transaction_id, toRecord(document));
        }
      }
      if (existing.length === 0) break;
      const found = await this.collection.find({ transaction_id: { $in: existing } }).toArray();
      for (const doc of found) records.set(doc.transaction_id, toRecord(doc));
      // The document that made the insert skip an id can be deleted by retention before it is
      // read: the id is then offered again, and stored as new.
      documents = documents.filter((d) => !records.has(d.transaction_id));
    }
    return insertOutcomesInOrder(items, records, inserted);
  }

  async get(transactionId: string): Promise<TransactionRecord | null> {
    const doc = await this.collection.findOne({ transaction_id: text(transactionId, 'transactionId') });
    return doc ? toRecord(doc) : null;
  }

  async claim(transactionId: string, owner: string, leaseMs: number): Promise<Claim | null> {
    const now = new Date();
    const until = new Date(now.getTime() + finite(leaseMs, 'leaseMs'));
    const leaseOwner = text(owner, 'owner');
    const id = text(transactionId, 'transactionId');
    // The document as it was just before the update: it tells whether an expired lease was taken
    // over, and the update applied to it is fully known, so the new state needs no second read. A
    // pipeline update, so that the attempt's number can follow the larger of two fields (a document
    // claimed before attempts were numbered takes its number from attempts); strings go in as
    // $literal, as a string starting with $ would otherwise name a field.
    const before = await this.collection.findOneAndUpdate(
      {
        transaction_id: id,
        $or: [
          { status: 'RECEIVED', available_at: { $lte: now } },
          { status: 'PROCESSING', lease_expires_at: { $lte: now } },
        ],
      },
      [
        {
          $set: {
            status: { $literal: 'PROCESSING' },
            lease_owner: { $literal: leaseOwner },
            lease_expires_at: until,
            updated_at: now,
            attempts: { $add: ['$attempts', 1] },
            last_attempt: { $add: [{ $max: [{ $ifNull: ['$last_attempt', 0] }, '$attempts'] }, 1] },
          },
        },
      ],
      { returnDocument: 'before', includeResultMetadata: false },
    );
    if (!before) return null;
    const record = toRecord(before);
    const reclaimed = before.status === 'PROCESSING';
    const attempt = Math.max(before.last_attempt ?? 0, before.attempts) + 1;
    if (this.#recordAttempts) {
      if (reclaimed) await this.#interruptOpenAttempts(id, now);
      try {
        await this.attempts.insertOne({
          transaction_id: id,
          attempt,
          started_at: now,
          finished_at: null,
          duration_ms: null,
          outcome: null,
          error: null,
          http_status: null,
          response_excerpt: null,
        });
      } catch (error) {
        // Left by an earlier write that failed half-way: the number is this claim's all the same.
        if ((error as { code?: unknown }).code !== DUPLICATE_KEY) throw error;
      }
    }
    return {
      record: {
        ...record,
        status: 'PROCESSING',
        leaseOwner,
        leaseExpiresAt: until,
        attempts: record.attempts + 1,
        updatedAt: now,
      },
      reclaimed,
      attempt,
    };
  }

  async renewLeases(transactionIds: readonly string[], owner: string, leaseMs: number): Promise<string[]> {
    if (transactionIds.length === 0) return [];
    const filter: Filter<TransactionDocument> = {
      transaction_id: { $in: transactionIds.map((id) => text(id, 'transactionId')) },
      status: 'PROCESSING',
      lease_owner: text(owner, 'owner'),
    };
    const until = new Date(Date.now() + finite(leaseMs, 'leaseMs'));
    await this.collection.updateMany(filter, { $set: { lease_expires_at: until } });
    // updateMany reports only counts; the same filter read right after names the leases still held.
    const held = await this.collection
      .find(filter, { projection: { _id: 0, transaction_id: 1 } })
      .map((doc) => doc.transaction_id)
      .toArray();
    const heldIds = new Set(held);
    return transactionIds.filter((id) => heldIds.has(id));
  }

  private leased(transactionId: string, owner: string): Filter<TransactionDocument> {
    return {
      transaction_id: text(transactionId, 'transactionId'),
      status: 'PROCESSING',
      lease_owner: text(owner, 'owner'),
    };
  }

  /**
   * Applies a lease-conditional outcome, then closes the attempt it ends; false when the lease was
   * gone (and nothing was written).
   */
  async #ended(
    transactionId: string,
    owner: string,
    update: UpdateFilter<TransactionDocument>,
    now: Date,
    outcome: AttemptOutcome,
    error: string | null,
    response: AttemptResponse,
  ): Promise<boolean> {
    const after = await this.collection.findOneAndUpdate(this.leased(transactionId, owner), update, {
      returnDocument: 'after',
      includeResultMetadata: false,
      projection: { _id: 0, last_attempt: 1 },
    });
    if (!after) return false;
    await this.#closeAttempt(transactionId, after.last_attempt, now, outcome, error, response);
    return true;
  }

  async complete(transactionId: string, owner: string, response = NO_RESPONSE): Promise<boolean> {
    const now = new Date();
    const update: UpdateFilter<TransactionDocument> = {
      $set: {
        status: 'PROCESSED',
        processed_at: now,
        updated_at: now,
        last_error: null,
        lease_owner: null,
        lease_expires_at: null,
      },
    };
    return this.#ended(transactionId, owner, update, now, 'succeeded', null, response);
  }

  async retryLater(
    transactionId: string,
    owner: string,
    error: string,
    availableAt: Date,
    response = NO_RESPONSE,
  ): Promise<boolean> {
    const now = new Date();
    const update: UpdateFilter<TransactionDocument> = {
      $set: {
        status: 'RECEIVED',
        last_error: text(error, 'error'),
        available_at: instant(availableAt, 'availableAt'),
        updated_at: now,
        lease_owner: null,
        lease_expires_at: null,
      },
    };
    return this.#ended(transactionId, owner, update, now, 'retrying', error, response);
  }

  async fail(transactionId: string, owner: string, error: string, response = NO_RESPONSE): Promise<boolean> {
    const now = new Date();
    const update: UpdateFilter<TransactionDocument> = {
      $set: {
        status: 'FAILED',
        last_error: text(error, 'error'),
        updated_at: now,
        lease_owner: null,
        lease_expires_at: null,
      },
    };
    return this.#ended(transactionId, owner, update, now, 'failed', error, response);
  }

  async release(transactionId: string, owner: string): Promise<boolean> {
    const now = new Date();
    const update: UpdateFilter<TransactionDocument> = {
      $set: {
        status: 'RECEIVED',
        available_at: now,
        updated_at: now,
        lease_owner: null,
        lease_expires_at: null,
      },
      // A PROCESSING document got there by a claim, which counted at least one attempt.
      $inc: { attempts: -1 },
    };
    return this.#ended(
      transactionId,
      owner,
      update,
      now,
      'interrupted',
      RELEASED_AT_SHUTDOWN_ERROR,
      NO_RESPONSE,
    );
  }

  async requeue(transactionId: string): Promise<TransactionRecord | null> {
    const now = new Date();
    const doc = await this.collection.findOneAndUpdate(
      { transaction_id: text(transactionId, 'transactionId'), status: 'FAILED' },
      { $set: { status: 'RECEIVED', attempts: 0, available_at: now, updated_at: now } },
      { returnDocument: 'after', includeResultMetadata: false },
    );
    return doc ? toRecord(doc) : null;
  }

  async replay(transactionId: string): Promise<TransactionRecord | null> {
    const now = new Date();
    // PROCESSED is counted through the status index here, so leaving it needs no counter.
    const doc = await this.collection.findOneAndUpdate(
      {
        transaction_id: text(transactionId, 'transactionId'),
        status: { $in: [...REPLAYABLE_STATUSES] as TransactionStatus[] },
      },
      { $set: { status: 'RECEIVED', attempts: 0, available_at: now, updated_at: now, processed_at: null } },
      { returnDocument: 'after', includeResultMetadata: false },
    );
    return doc ? toRecord(doc) : null;
  }

  async countReplayable(selection: ReplaySelection): Promise<number> {
    return this.collection.countDocuments(replayableQuery(selection));
  }

  /**
   * Finds the batch in the list's order, then replays each document with its own conditional update
   * (MongoDB has no update with a limit), so a document another caller changed in between is left
   * alone and not reported.
   */
  async replayMatching(selection: ReplaySelection, query: ReplayBatchQuery): Promise<ReplayBatch> {
    const count = Math.floor(finite(query.limit, 'limit'));
    if (count <= 0) return { replayed: [], next: null };
    const before = instant(query.finishedBefore, 'finishedBefore');
    const filter: Filter<TransactionDocument> = {
      ...replayableQuery(selection),
      updated_at: { $lte: before },
    };
    const candidates = await this.collection
      .find(query.after ? { $and: [filter, afterQuery(query.after)] } : filter, {
        sort: { created_at: -1, transaction_id: -1 },
        limit: count,
        projection: { _id: 0, transaction_id: 1, created_at: 1 },
      })
      .toArray();
    const now = new Date();
    const replayed = await Promise.all(
      candidates.map((doc) =>
        this.collection.findOneAndUpdate(
          {
            transaction_id: doc.transaction_id,
            status: { $in: [...REPLAYABLE_STATUSES] as TransactionStatus[] },
            updated_at: { $lte: before },
          },
          {
            $set: { status: 'RECEIVED', attempts: 0, available_at: now, updated_at: now, processed_at: null },
          },
          {
            returnDocument: 'after',
            includeResultMetadata: false,
            projection: { transaction_id: 1, attempts: 1 },
          },
        ),
      ),
    );
    const last = candidates.at(-1);
    return {
      replayed: replayed
        .filter((doc) => doc !== null)
        .map((doc) => ({ transactionId: doc.transaction_id, attempts: doc.attempts })),
      next: last ? { createdAt: last.created_at, transactionId: last.transaction_id } : null,
    };
  }

  async listAttempts(transactionId: string, limit: number): Promise<TransactionAttempt[]> {
    const count = Math.floor(finite(limit, 'limit'));
    // limit(0) would mean "no limit" to MongoDB.
    if (count <= 0) return [];
    const docs = await this.attempts
      .find({ transaction_id: text(transactionId, 'transactionId') }, { sort: { attempt: -1 }, limit: count })
      .toArray();
    return docs.reverse().map(toAttempt);
  }

  /** Three aggregations, each through the index on its time (not one snapshot: see {@link MongoStore.stats}). */
  async timeline(query: TimelineQuery): Promise<TimelineCounts[]> {
    const from = instant(query.from, 'from');
    const to = instant(query.to, 'to');
    const bucketMs = finite(query.bucketMs, 'bucketMs');
    const grouped = (
      kind: 'received' | 'processed' | 'failed',
      field: 'created_at' | 'processed_at' | 'updated_at',
      match: Filter<TransactionDocument>,
    ) =>
      this.collection
        .aggregate<{ kind: typeof kind; bucket: number; n: number }>([
          { $match: { ...match, [field]: { $gte: from, $lt: to } } },
          {
            $group: {
              _id: { $floor: { $divide: [{ $subtract: [`$${field}`, from] }, bucketMs] } },
              n: { $sum: 1 },
            },
          },
          { $project: { _id: 0, kind: { $literal: kind }, bucket: '$_id', n: 1 } },
        ])
        .toArray();
    const [received, processed, failed] = await Promise.all([
      grouped('received', 'created_at', {}),
      grouped('processed', 'processed_at', { status: 'PROCESSED' }),
      grouped('failed', 'updated_at', { status: 'FAILED' }),
    ]);
    return mergeTimelineCounts([...received, ...processed, ...failed]);
  }

  async oldestDueReceivedAt(now: Date): Promise<Date | null> {
    const doc = await this.collection.findOne(
      { status: 'RECEIVED', available_at: { $lte: instant(now, 'now') } },
      { sort: { available_at: 1 }, projection: { _id: 0, available_at: 1 } },
    );
    return doc?.available_at ?? null;
  }

  async findDue(query: DueQuery): Promise<DueTransaction[]> {
    const limit = Math.floor(finite(query.limit, 'limit'));
    // limit(0) would mean "no limit" to MongoDB.
    if (limit <= 0) return [];
    const projection = { _id: 0, transaction_id: 1, attempts: 1 };
    const toDue = (doc: { transaction_id: string; attempts: number }): DueTransaction => ({
      transactionId: doc.transaction_id,
      attempts: doc.attempts,
    });
    const received = await this.collection
      .find(
        { status: 'RECEIVED', available_at: { $lte: instant(query.receivedBefore, 'receivedBefore') } },
        { projection, sort: { available_at: 1 }, limit },
      )
      .map(toDue)
      .toArray();
    if (received.length >= limit) return received;
    const leases = await this.collection
      .find(
        {
          status: 'PROCESSING',
          lease_expires_at: { $lte: instant(query.leaseExpiredBefore, 'leaseExpiredBefore') },
        },
        { projection, sort: { lease_expires_at: 1 }, limit: limit - received.length },
      )
      .map(toDue)
      .toArray();
    return [...received, ...leases];
  }

  async leaseOwners(): Promise<string[]> {
    const owners = await this.collection.distinct('lease_owner', { status: 'PROCESSING' });
    return owners.filter((owner): owner is string => typeof owner === 'string');
  }

  async expireLeases(owner: string): Promise<number> {
    const { matchedCount } = await this.collection.updateMany(
      { status: 'PROCESSING', lease_owner: text(owner, 'owner') },
      { $set: { lease_expires_at: new Date() } },
    );
    return matchedCount;
  }

  async findByPayment(paymentId: string, limit: number): Promise<TransactionRecord[]> {
    const count = Math.floor(finite(limit, 'limit'));
    // limit(0) would mean "no limit" to MongoDB.
    if (count <= 0) return [];
    const docs = await this.collection
      .find(
        { payment_id: text(paymentId, 'paymentId') },
        { sort: { created_at: 1, transaction_id: 1 }, limit: count },
      )
      .toArray();
    return docs.map(toRecord);
  }

  /**
   * Retention's candidates: the transaction ids of at most `limit` documents matching `filter`,
   * oldest last change first.
   */
  private async oldest(filter: Filter<TransactionDocument>, limit: number): Promise<string[]> {
    const count = Math.floor(finite(limit, 'limit'));
    // limit(0) would mean "no limit" to MongoDB.
    if (count <= 0) return [];
    return this.collection
      .find(filter, { sort: { updated_at: 1 }, limit: count, projection: { _id: 0, transaction_id: 1 } })
      .map((doc) => doc.transaction_id)
      .toArray();
  }

  /**
   * Finds the oldest finished documents, then deletes them with one conditional statement that
   * repeats the status and age conditions, so a document requeued in between stays. Without a
   * replica set there is no transaction around the two: documents recorded about these
   * transactions in other collections are deleted next, by the ids no longer found here.
   */
  async deleteFinished(before: Date, limit: number): Promise<number> {
    const cutoff = { ...FINISHED, updated_at: { $lt: instant(before, 'before') } };
    const ids = await this.oldest(cutoff, limit);
    if (ids.length === 0) return 0;
    const { deletedCount } = await this.collection.deleteMany({ ...cutoff, transaction_id: { $in: ids } });
    if (deletedCount > 0) {
      // Their attempts go too. Not in one transaction (a standalone server has none): a crash in
      // between leaves attempts without their transaction, which nothing reads.
      const left = await this.collection
        .find({ transaction_id: { $in: ids } }, { projection: { _id: 0, transaction_id: 1 } })
        .toArray();
      const kept = new Set(left.map((d) => d.transaction_id));
      const gone = ids.filter((id) => !kept.has(id));
      if (gone.length > 0) await this.attempts.deleteMany({ transaction_id: { $in: gone } });
    }
    return deletedCount;
  }

  async erasePayloads(before: Date, limit: number): Promise<number> {
    const kept = {
      ...FINISHED,
      payload: { $exists: true },
      updated_at: { $lt: instant(before, 'before') },
    };
    const ids = await this.oldest(kept, limit);
    if (ids.length === 0) return 0;
    const { modifiedCount } = await this.collection.updateMany(
      { ...kept, transaction_id: { $in: ids } },
      { $unset: { payload: '' }, $set: { payload_erased_at: new Date() } },
    );
    return modifiedCount;
  }

  async erasePayload(transactionId: string): Promise<PayloadErasure> {
    const id = text(transactionId, 'transactionId');
    // Twice at most: a transaction that finished between the update and the read is erased then.
    for (let round = 0; round < 2; round++) {
      const erased = await this.collection.updateOne({ ...FINISHED, transaction_id: id }, [
        { $set: { payload_erased_at: { $ifNull: ['$payload_erased_at', new Date()] } } },
        { $unset: 'payload' },
      ]);
      if (erased.matchedCount === 1) return 'erased';
      const doc = await this.collection.findOne(
        { transaction_id: id },
        { projection: { _id: 0, status: 1 } },
      );
      if (!doc) return 'not-found';
      if (!isFinished(doc.status)) return 'unfinished';
    }
    return 'unfinished';
  }

  /** The collection's storage and indexes as WiredTiger reports them, with its free space. */
  async storageSize(): Promise<StorageSize> {
    const shards = await this.collection
      .aggregate<{
        storageStats?: { storageSize?: number; totalIndexSize?: number; freeStorageSize?: number };
      }>([{ $collStats: { storageStats: {} } }])
      .toArray();
    let bytes = 0;
    let reusable: number | null = null;
    for (const { storageStats: stats } of shards) {
      bytes += Number(stats?.storageSize ?? 0) + Number(stats?.totalIndexSize ?? 0);
      if (stats?.freeStorageSize !== undefined) reusable = (reusable ?? 0) + Number(stats.freeStorageSize);
    }
    return { bytes, reusableBytes: reusable };
  }

  /**
   * PROCESSED is counted through the status index (MongoDB offers no atomic counter beside a
   * document update without a replica set), so this grows with the table, unlike the SQL stores.
   */
  async countByStatus(): Promise<Record<TransactionStatus, number>> {
    const [open, processed] = await Promise.all([this.openCounts(), this.countProcessed()]);
    return statusCounts(open, processed);
  }

  private countProcessed(): Promise<number> {
    return this.collection.countDocuments({ status: 'PROCESSED' });
  }

  private openCounts(): Promise<OpenCount[]> {
    return this.collection
      .aggregate<OpenCount>([
        { $match: { status: { $in: ['RECEIVED', 'PROCESSING', 'FAILED'] } } },
        { $group: { _id: { status: '$status', provider: '$provider' }, n: { $sum: 1 } } },
        { $project: { _id: 0, status: '$_id.status', provider: { $ifNull: ['$_id.provider', null] }, n: 1 } },
      ])
      .toArray();
  }

  async list(query: TransactionListQuery): Promise<TransactionSummary[]> {
    const limit = Math.floor(finite(query.limit, 'limit'));
    // limit(0) would mean "no limit" to MongoDB.
    if (limit <= 0) return [];
    const filter = filterQuery(query.filter);
    const docs = await this.collection
      .find(query.after ? { $and: [filter, afterQuery(query.after)] } : filter, {
        sort: { created_at: -1, transaction_id: -1 },
        limit,
        projection: { payload: 0 },
      })
      .toArray();
    return docs.map((doc) => {
      const { payload: _payload, ...summary } = toRecord(doc);
      return summary;
    });
  }

  /** Several reads, not one snapshot: MongoDB offers snapshots only in a replica set's transactions. */
  async stats(failedSince: Date): Promise<TransactionStats> {
    const [open, processed, oldest, recentFailures] = await Promise.all([
      this.openCounts(),
      this.countProcessed(),
      this.collection.findOne(
        { status: 'RECEIVED' },
        { sort: { created_at: 1 }, projection: { _id: 0, created_at: 1 } },
      ),
      this.collection.countDocuments({
        status: 'FAILED',
        updated_at: { $gte: instant(failedSince, 'failedSince') },
      }),
    ]);
    return statsFrom(open, processed, { oldestReceivedAt: oldest?.created_at ?? null, recentFailures });
  }

  async countFailed(selection: RetrySelection): Promise<number> {
    return this.collection.countDocuments(failedQuery(selection));
  }

  /**
   * Finds up to `limit` matching FAILED documents, then requeues each with its own conditional
   * update (MongoDB has no update with a limit), so a document another caller changed in between is
   * left alone and not reported.
   */
  async requeueFailed(
    selection: RetrySelection,
    failedBefore: Date,
    limit: number,
  ): Promise<DueTransaction[]> {
    const count = Math.floor(finite(limit, 'limit'));
    if (count <= 0) return [];
    const before = instant(failedBefore, 'failedBefore');
    const candidates = await this.collection
      .find(
        { ...failedQuery(selection), updated_at: { $lte: before } },
        { limit: count, projection: { _id: 0, transaction_id: 1 } },
      )
      .map((doc) => doc.transaction_id)
      .toArray();
    const now = new Date();
    const requeued = await Promise.all(
      candidates.map((id) =>
        this.collection.findOneAndUpdate(
          { transaction_id: id, status: 'FAILED', updated_at: { $lte: before } },
          { $set: { status: 'RECEIVED', attempts: 0, available_at: now, updated_at: now } },
          {
            returnDocument: 'after',
            includeResultMetadata: false,
            projection: { transaction_id: 1, attempts: 1 },
          },
        ),
      ),
    );
    return requeued
      .filter((doc) => doc !== null)
      .map((doc) => ({ transactionId: doc.transaction_id, attempts: doc.attempts }));
  }

  private get reconcileState(): Collection<ReconcileStateDocument> {
    if (!this.#reconcileState) throw new Error('MongoStore used before ready()');
    return this.#reconcileState;
  }

  private get mismatches(): Collection<MismatchDocument> {
    if (!this.#mismatches) throw new Error('MongoStore used before ready()');
    return this.#mismatches;
  }

  /**
   * One conditional upsert: a free or expired lease (of a due run, when asked) is taken; when the
   * provider's document exists but the condition fails, the upsert's insert collides with the
   * unique index on `provider`, which means the lease is someone else's.
   */
  async takeReconcileLease(
    provider: Provider,
    owner: string,
    leaseMs: number,
    { whenDue }: { whenDue: boolean },
  ): Promise<ReconcileLease | null> {
    const now = new Date();
    const until = new Date(now.getTime() + finite(leaseMs, 'leaseMs'));
    const free: Filter<ReconcileStateDocument> = {
      provider: text(provider, 'provider') as Provider,
      $or: [{ lease_expires_at: null }, { lease_expires_at: { $lte: now } }],
      ...(whenDue ? { next_run_at: { $lte: now } } : {}),
    };
    try {
      const doc = await this.reconcileState.findOneAndUpdate(
        free,
        {
          $set: { lease_owner: text(owner, 'owner'), lease_expires_at: until },
          $setOnInsert: {
            next_run_at: new Date(0),
            watermark: null,
            run_started_at: null,
            run_finished_at: null,
            run_checked: null,
            run_recovered: null,
            run_mismatches: null,
            run_error: null,
            last_success_at: null,
            consecutive_failures: 0,
            mismatch_count: 0,
          },
        },
        { upsert: true, returnDocument: 'after', includeResultMetadata: false },
      );
      return doc ? { watermark: doc.watermark ?? null } : null;
    } catch (error) {
      if ((error as { code?: unknown }).code === DUPLICATE_KEY) return null;
      throw error;
    }
  }

  async renewReconcileLease(provider: Provider, owner: string, leaseMs: number): Promise<boolean> {
    const { matchedCount } = await this.reconcileState.updateOne(
      { provider: text(provider, 'provider') as Provider, lease_owner: text(owner, 'owner') },
      { $set: { lease_expires_at: new Date(Date.now() + finite(leaseMs, 'leaseMs')) } },
    );
    return matchedCount === 1;
  }

  async releaseReconcileLease(provider: Provider, owner: string): Promise<void> {
    await this.reconcileState.updateOne(
      { provider: text(provider, 'provider') as Provider, lease_owner: text(owner, 'owner') },
      { $set: { lease_owner: null, lease_expires_at: null } },
    );
  }

  /**
   * The state document is updated in one conditional statement; the mismatches are then replaced
   * (deleted and inserted: MongoDB offers no multi-document transaction without a replica set). A
   * reader in between may see the provider's list empty or partly written.
   */
  async recordReconcileRun(owner: string, record: ReconcileRunRecord): Promise<boolean> {
    const { run, mismatches } = record;
    const provider = text(run.provider, 'provider') as Provider;
    const error = run.error === null ? null : text(run.error, 'error');
    const finishedAt = instant(run.finishedAt, 'finishedAt');
    const before = await this.reconcileState.findOneAndUpdate(
      { provider, lease_owner: text(owner, 'owner') },
      [
        {
          $set: {
            lease_owner: null,
            lease_expires_at: null,
            next_run_at: instant(record.nextRunAt, 'nextRunAt'),
            ...(record.watermark
              ? {
                  watermark: {
                    $max: ['$watermark', { $literal: instant(record.watermark, 'watermark') }],
                  },
                }
              : {}),
            run_started_at: { $literal: instant(run.startedAt, 'startedAt') },
            run_finished_at: { $literal: finishedAt },
            run_checked: { $literal: finite(run.checked, 'checked') },
            run_recovered: { $literal: finite(run.recovered, 'recovered') },
            run_mismatches: { $literal: finite(run.mismatches, 'mismatches') },
            run_error: { $literal: error },
            last_success_at: error === null ? { $literal: finishedAt } : '$last_success_at',
            consecutive_failures:
              error === null ? { $literal: 0 } : { $add: [{ $ifNull: ['$consecutive_failures', 0] }, 1] },
            ...(mismatches ? { mismatch_count: { $literal: finite(mismatches.count, 'count') } } : {}),
          },
        },
      ],
      { includeResultMetadata: false },
    );
    if (!before) return false;
    if (mismatches) {
      await this.mismatches.deleteMany({ provider });
      if (mismatches.kept.length > 0) {
        await this.mismatches.insertMany(
          mismatches.kept.map((m) => ({
            provider,
            payment_id: text(m.paymentId, 'paymentId'),
            provider_status: nullableText(m.providerStatus, 'providerStatus') as PaymentStatus | null,
            derived_status: nullableText(m.derivedStatus, 'derivedStatus') as PaymentStatus | null,
            amount: finite(m.amount, 'amount'),
            currency: nullableText(m.currency, 'currency'),
            created_at: instant(m.createdAt, 'createdAt'),
          })),
          { ordered: false },
        );
      }
    }
    return true;
  }

  async reconcileStatuses(): Promise<ReconcileStatus[]> {
    const docs = await this.reconcileState.find({}, { sort: { provider: 1 } }).toArray();
    return docs.map(toReconcileStatus);
  }

  async listMismatches(limit: number): Promise<PaymentMismatch[]> {
    const count = Math.floor(finite(limit, 'limit'));
    // limit(0) would mean "no limit" to MongoDB.
    if (count <= 0) return [];
    const docs = await this.mismatches
      .find({}, { sort: { amount: -1, provider: 1, payment_id: 1 }, limit: count })
      .toArray();
    return docs.map((d) => ({
      provider: d.provider,
      paymentId: d.payment_id,
      providerStatus: d.provider_status ?? null,
      derivedStatus: d.derived_status ?? null,
      amount: d.amount,
      currency: d.currency ?? null,
      createdAt: d.created_at,
    }));
  }
}
