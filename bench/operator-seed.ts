/**
 * A million transactions as a gateway accumulates them over 30 days, with the attempts a worker
 * would have recorded for them, written straight into a store's tables (not through HTTP) so the
 * operators' rows can be measured on a full store in seconds. Deterministic: the same seed gives
 * the same rows on every store.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

/** One seeded row, in the columns both SQL stores share. */
export interface SeedRow {
  transactionId: string;
  provider: 'razorpay' | 'stripe' | null;
  eventType: string | null;
  paymentId: string | null;
  status: 'RECEIVED' | 'PROCESSING' | 'PROCESSED' | 'FAILED';
  createdAt: number;
  updatedAt: number;
  attempts: number;
  lastError: string | null;
  payload: string;
}

/** One attempt of a seeded row's history. */
export interface SeedAttempt {
  attempt: number;
  startedAt: number;
  finishedAt: number | null;
  outcome: 'succeeded' | 'retrying' | 'failed' | null;
  error: string | null;
  httpStatus: number | null;
  excerpt: string | null;
}

const BUSY = 'RetryableError: HTTP 503: Service Unavailable';

/**
 * The history of a seeded row, as the worker forwarding it would have left it: a PROCESSED row one
 * attempt answered 200, a FAILED row four attempts answered 503 and the last one failed, a
 * PROCESSING row one attempt running; a RECEIVED row none.
 */
export function seedAttempts(row: SeedRow): SeedAttempt[] {
  if (row.status === 'PROCESSED') {
    const at = row.updatedAt;
    return [
      {
        attempt: 1,
        startedAt: at - 50,
        finishedAt: at,
        outcome: 'succeeded',
        error: null,
        httpStatus: 200,
        excerpt: '',
      },
    ];
  }
  if (row.status === 'FAILED') {
    return Array.from({ length: row.attempts }, (_, i) => {
      const startedAt = row.createdAt + i * 12_000;
      const last = i === row.attempts - 1;
      return {
        attempt: i + 1,
        startedAt,
        finishedAt: startedAt + 40,
        outcome: last ? 'failed' : 'retrying',
        error: BUSY,
        httpStatus: 503,
        excerpt: 'Service Unavailable',
      };
    });
  }
  if (row.status === 'PROCESSING') {
    return [
      {
        attempt: 1,
        startedAt: row.updatedAt,
        finishedAt: null,
        outcome: null,
        error: null,
        httpStatus: null,
        excerpt: null,
      },
    ];
  }
  return [];
}

/** What the measurements need to know about the seeded rows. */
export interface SeedSummary {
  rows: number;
  firstCreatedAt: number;
  lastCreatedAt: number;
  /** Payment ids that exist, to filter on. */
  paymentIds: string[];
  seconds: number;
}

const DAYS = 30;
const RAZORPAY_EVENTS = [
  ['payment.captured', 50],
  ['payment.authorized', 30],
  ['payment.failed', 10],
  ['refund.processed', 5],
  ['order.paid', 5],
] as const;
const STRIPE_EVENTS = [
  ['payment_intent.succeeded', 50],
  ['charge.succeeded', 20],
  ['payment_intent.payment_failed', 10],
  ['charge.refunded', 10],
  ['customer.subscription.created', 10],
] as const;

/** A small deterministic generator (mulberry32), so every store gets the same rows. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The sender of payment group `group` (every three rows are one payment's events): Razorpay for
 * 45%, Stripe for 40%, the original contract for the rest; a function of the group alone, so the
 * summary can name payments that exist without generating the rows again.
 */
function providerOf(group: number): 'razorpay' | 'stripe' | null {
  const r = random(group + 1)();
  return r < 0.45 ? 'razorpay' : r < 0.85 ? 'stripe' : null;
}

function pick(weights: readonly (readonly [string, number])[], r: number): string {
  let left = r * 100;
  for (const [value, weight] of weights) {
    left -= weight;
    if (left < 0) return value;
  }
  return weights.at(-1)![0];
}

/**
 * The rows, oldest first: 45% Razorpay, 40% Stripe, 15% original-contract webhooks; about three
 * events per payment; 1% FAILED spread over the month, a backlog of RECEIVED (0.5%) and PROCESSING
 * (0.05%) among the newest, PROCESSED otherwise. Several rows share a millisecond, as bursts do.
 */
export function* seedRows(count: number, now: number): Generator<SeedRow> {
  const next = random(20261202);
  const span = DAYS * 86_400_000;
  const start = now - span;
  const step = span / count;
  for (let i = 0; i < count; i++) {
    const createdAt = Math.floor(start + i * step);
    next();
    const provider = providerOf(Math.floor(i / 3));
    const eventType =
      provider === 'razorpay'
        ? pick(RAZORPAY_EVENTS, next())
        : provider === 'stripe'
          ? pick(STRIPE_EVENTS, next())
          : null;
    const payment = Math.floor(i / 3).toString(36);
    const paymentId =
      provider === 'razorpay' ? `pay_${payment}` : provider === 'stripe' ? `pi_${payment}` : null;
    const fromEnd = count - i;
    const s = next();
    const status =
      fromEnd <= 500 ? 'PROCESSING' : fromEnd <= 5500 ? 'RECEIVED' : s < 0.01 ? 'FAILED' : 'PROCESSED';
    const hex = Math.floor(next() * 2 ** 48)
      .toString(16)
      .padStart(12, '0');
    const transactionId = `${provider === null ? 'txn' : 'evt'}_${hex}${i.toString(36)}`;
    const failed = status === 'FAILED';
    yield {
      transactionId,
      provider,
      eventType,
      paymentId,
      status,
      createdAt,
      updatedAt: failed ? createdAt + 60_000 : createdAt + 1000,
      attempts: failed ? 5 : status === 'RECEIVED' ? 0 : 1,
      lastError: failed ? 'RetryableError: 503 from https://payments.internal.example/hooks' : null,
      payload: eventPayload(provider, transactionId, eventType, paymentId, 50_000 + (i % 977), createdAt),
    };
  }
}

/**
 * A body in each sender's own shape, small but complete enough for the provider mappings to read
 * (`GET /v1/payments/{id}` re-reads stored events), or the original contract's.
 */
function eventPayload(
  provider: 'razorpay' | 'stripe' | null,
  transactionId: string,
  eventType: string | null,
  paymentId: string | null,
  amount: number,
  createdAt: number,
): string {
  const created = Math.floor(createdAt / 1000);
  if (provider === 'razorpay') {
    return JSON.stringify({
      entity: 'event',
      account_id: 'acc_BenchMerchant01',
      event: eventType,
      contains: ['payment'],
      payload: {
        payment: {
          entity: { id: paymentId, entity: 'payment', amount, currency: 'INR', status: 'captured' },
        },
      },
      created_at: created,
    });
  }
  if (provider === 'stripe') {
    return JSON.stringify({
      id: transactionId,
      object: 'event',
      type: eventType,
      created,
      data: {
        object: { id: paymentId, object: 'payment_intent', amount, currency: 'inr', status: 'succeeded' },
      },
    });
  }
  return JSON.stringify({
    transaction_id: transactionId,
    source_account: 'acc_user_789',
    destination_account: 'acc_merchant_456',
    amount: amount / 100,
    currency: 'INR',
  });
}

/** Up to `n` Razorpay payments of a store of `count` rows (every three rows are one payment), spread out from its middle. */
function razorpayPayments(count: number, n: number): string[] {
  const groups = Math.floor(count / 3);
  const ids = new Set<string>();
  for (let k = 0; ids.size < n && k < groups; k++) {
    const group = (Math.floor(groups / 2) + k * 331) % groups;
    if (providerOf(group) === 'razorpay') ids.add(`pay_${group.toString(36)}`);
  }
  return [...ids];
}

function summary(count: number, now: number, started: number): SeedSummary {
  const span = DAYS * 86_400_000;
  return {
    rows: count,
    firstCreatedAt: now - span,
    lastCreatedAt: now,
    paymentIds: razorpayPayments(count, 50),
    seconds: (performance.now() - started) / 1000,
  };
}

/** Seeds a SQLite file at `path` (migrated by the store itself first), in one transaction. */
export async function seedSqlite(path: string, count: number): Promise<SeedSummary> {
  const started = performance.now();
  const store = new SqliteStore({ path, synchronous: 'NORMAL' });
  await store.ready();
  await store.close();
  const db = new Database(path);
  try {
    const insert = db.prepare(
      `INSERT INTO transactions (transaction_id, status, created_at, updated_at, available_at, attempts,
         last_error, payload, provider, event_type, payment_id, lease_owner, lease_expires_at, processed_at,
         last_attempt)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertAttempt = db.prepare(
      `INSERT INTO transaction_attempts (transaction_id, attempt, started_at, finished_at, duration_ms, outcome,
         error, http_status, response_excerpt)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const now = Date.now();
    db.transaction(() => {
      for (const row of seedRows(count, now)) {
        const processing = row.status === 'PROCESSING';
        insert.run(
          row.transactionId,
          row.status,
          row.createdAt,
          row.updatedAt,
          row.createdAt,
          row.attempts,
          row.lastError,
          row.payload,
          row.provider,
          row.eventType,
          row.paymentId,
          processing ? 'bench-worker' : null,
          processing ? now + 3_600_000 : null,
          row.status === 'PROCESSED' ? row.updatedAt : null,
          row.attempts,
        );
        for (const a of seedAttempts(row)) {
          insertAttempt.run(
            row.transactionId,
            a.attempt,
            a.startedAt,
            a.finishedAt,
            a.finishedAt === null ? null : a.finishedAt - a.startedAt,
            a.outcome,
            a.error,
            a.httpStatus,
            a.excerpt,
          );
        }
      }
      db.prepare(
        `UPDATE processed_count SET n = (SELECT count(*) FROM transactions WHERE status = 'PROCESSED') WHERE id = 1`,
      ).run();
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    return summary(count, now, started);
  } finally {
    db.close();
  }
}

/** Rows per INSERT statement when seeding PostgreSQL. */
const PG_BATCH = 10_000;

/**
 * Seeds the database at `url` (migrated by the store itself first) in batches of
 * {@link PG_BATCH}, then VACUUM ANALYZE: the state autovacuum keeps a table in, which index-only
 * scans rely on.
 */
export async function seedPostgres(url: string, count: number): Promise<SeedSummary> {
  const started = performance.now();
  const store = new PostgresStore({ connectionString: url });
  await store.ready();
  await store.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const now = Date.now();
    let batch: SeedRow[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const column = <T>(f: (r: SeedRow) => T) => batch.map(f);
      await client.query(
        `INSERT INTO transactions (transaction_id, status, created_at, updated_at, available_at, attempts,
           last_error, payload, provider, event_type, payment_id, lease_owner, lease_expires_at, processed_at,
           last_attempt)
         SELECT id, status, to_timestamp(created / 1000.0), to_timestamp(updated / 1000.0),
                to_timestamp(created / 1000.0), attempts, last_error, payload, provider, event_type, payment_id,
                CASE WHEN status = 'PROCESSING' THEN 'bench-worker' END,
                CASE WHEN status = 'PROCESSING' THEN to_timestamp($11::float8 / 1000.0) END,
                CASE WHEN status = 'PROCESSED' THEN to_timestamp(updated / 1000.0) END,
                attempts
           FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::int[], $6::text[], $7::text[],
                       $8::text[], $9::text[], $10::text[])
                AS r (id, status, created, updated, attempts, last_error, payload, provider, event_type, payment_id)`,
        [
          column((r) => r.transactionId),
          column((r) => r.status),
          column((r) => r.createdAt),
          column((r) => r.updatedAt),
          column((r) => r.attempts),
          column((r) => r.lastError),
          column((r) => r.payload),
          column((r) => r.provider),
          column((r) => r.eventType),
          column((r) => r.paymentId),
          now + 3_600_000,
        ],
      );
      const attempts = batch.flatMap((row) =>
        seedAttempts(row).map((a) => ({ id: row.transactionId, ...a })),
      );
      const of = <T>(f: (a: (typeof attempts)[number]) => T) => attempts.map(f);
      await client.query(
        `INSERT INTO transaction_attempts (transaction_id, attempt, started_at, finished_at, duration_ms, outcome,
           error, http_status, response_excerpt)
         SELECT id, attempt, to_timestamp(started / 1000.0), to_timestamp(finished / 1000.0),
                (finished - started)::integer, outcome, error, http_status, excerpt
           FROM unnest($1::text[], $2::int[], $3::float8[], $4::float8[], $5::text[], $6::text[], $7::int[],
                       $8::text[])
                AS a (id, attempt, started, finished, outcome, error, http_status, excerpt)`,
        [
          of((a) => a.id),
          of((a) => a.attempt),
          of((a) => a.startedAt),
          of((a) => a.finishedAt),
          of((a) => a.outcome),
          of((a) => a.error),
          of((a) => a.httpStatus),
          of((a) => a.excerpt),
        ],
      );
      batch = [];
    };
    for (const row of seedRows(count, now)) {
      batch.push(row);
      if (batch.length >= PG_BATCH) await flush();
    }
    await flush();
    await client.query(
      `UPDATE processed_count SET n = (SELECT count(*) FROM transactions WHERE status = 'PROCESSED') WHERE shard = 0`,
    );
    await client.query('VACUUM ANALYZE transactions');
    await client.query('VACUUM ANALYZE transaction_attempts');
    return summary(count, now, started);
  } finally {
    await client.end();
  }
}
