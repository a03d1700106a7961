/**
 * The operators' rows of `npm run bench`: list and stats latency through the HTTP API (an `api`
 * process, API_KEYS set) on a store holding a million transactions, SQLite and PostgreSQL. Each
 * query is sent {@link REQUESTS} times, one at a time over a kept-alive connection, after a warm-up.
 */
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type { TransactionFilter } from '../src/domain/transaction-query.js';
import { encodeCursor } from '../src/transactions/list-cursor.js';
import { freePort, startProcess } from './bench-processes.js';
import type { OperatorRow } from './bench-report.js';
import { type SeedSummary, seedPostgres, seedSqlite } from './operator-seed.js';

/** Requests per measured row. */
const REQUESTS = 200;
/** Unreported requests per row first (JIT, page cache, buffer pool). */
const WARM_UP = 20;
const KEY = 'bench-operator-key';

/** The p-quantile (0..1) of sorted values. */
const quantile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;

/**
 * Sends `method path` (with `body` as JSON, if any) and resolves with the milliseconds to the last
 * byte of the answer and the answer; rejects on any status but `status` (200).
 */
function timedRequest(
  base: URL,
  agent: Agent,
  { method = 'GET', path, body, status = 200 }: ProbeRequest,
): Promise<{ ms: number; text: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method,
        path,
        agent,
        headers: {
          authorization: `Bearer ${KEY}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => {
          const ms = performance.now() - started;
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== status) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
          else resolve({ ms, text });
        });
      },
    );
    req.once('error', reject);
    req.end(payload);
  });
}

/** One request of a probe: GET unless said, with a JSON body for a POST. */
interface ProbeRequest {
  method?: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  /** The answer's status; default 200. */
  status?: number;
}

/** One measured query: its label and how to make the i-th request. */
interface Probe {
  label: string;
  path: (i: number) => string;
  method?: 'POST' | 'DELETE';
  body?: unknown;
  /** The answer's status; default 200. */
  status?: number;
}

/** Transactions that exist, for the probes that read or change one at a time. */
interface ProbeIds {
  /** The newest 500. */
  newest: readonly string[];
  /** The newest 500 FAILED ones (five attempts each). */
  failed: readonly string[];
  /** PROCESSED ones, a different one for every replay (warm-up included). */
  processed: readonly string[];
}

/** The measured queries. */
function probes(seed: SeedSummary, ids: ProbeIds): Probe[] {
  const span = seed.lastCreatedAt - seed.firstCreatedAt;
  const at = (fraction: number) => new Date(seed.firstCreatedAt + span * fraction);
  // A cursor as the list would hand it out, at a point spread over the older 90% of the table.
  const cursorAt = (filter: TransactionFilter, i: number) =>
    encodeURIComponent(
      encodeCursor({ createdAt: at(0.05 + ((i * 0.618) % 0.9)), transactionId: 'evt_ffffffffffff' }, filter),
    );
  const day = 86_400_000;
  return [
    { label: 'list, no filter, first page (50)', path: () => '/v1/transactions' },
    { label: 'list status=FAILED, first page', path: () => '/v1/transactions?status=FAILED' },
    {
      label: 'list status=FAILED, later page (cursor)',
      path: (i) => `/v1/transactions?status=FAILED&cursor=${cursorAt({ status: 'FAILED' }, i)}`,
    },
    {
      label: 'list status=PROCESSED&provider=stripe, later page (cursor)',
      path: (i) =>
        `/v1/transactions?status=PROCESSED&provider=stripe&cursor=${cursorAt({ status: 'PROCESSED', provider: 'stripe' }, i)}`,
    },
    {
      label: 'list event_type=payment.failed, later page (cursor)',
      path: (i) =>
        `/v1/transactions?event_type=payment.failed&cursor=${cursorAt({ eventType: 'payment.failed' }, i)}`,
    },
    {
      label: 'list payment_id=<one payment>',
      path: (i) => `/v1/transactions?payment_id=${seed.paymentIds[i % seed.paymentIds.length]}`,
    },
    {
      label: 'list one day (created_after, created_before)',
      path: (i) => {
        const from = at(0.1 + ((i * 0.37) % 0.8));
        return `/v1/transactions?created_after=${from.toISOString()}&created_before=${new Date(from.getTime() + day).toISOString()}`;
      },
    },
    { label: 'list, 500 rows', path: () => '/v1/transactions?limit=500' },
    { label: 'stats', path: () => '/v1/stats' },
    {
      label: 'retry dry run: FAILED of one provider in a week (POST /v1/transactions/retry)',
      method: 'POST',
      path: () => '/v1/transactions/retry',
      body: {
        status: 'FAILED',
        provider: 'razorpay',
        created_after: at(0.5).toISOString(),
        created_before: at(0.5 + 7 / 30).toISOString(),
        dry_run: true,
      },
    },
    {
      label: "a transaction's raw payload (GET /v1/transactions/{id}/payload)",
      path: (i) => `/v1/transactions/${ids.newest[i % ids.newest.length]}/payload`,
    },
    {
      label: "a FAILED transaction's five attempts (GET /v1/transactions/{id}/attempts)",
      path: (i) => `/v1/transactions/${ids.failed[i % ids.failed.length]}/attempts`,
    },
    // The seed's newest hours are its RECEIVED and PROCESSING backlog: the last hour counts
    // creations only, the last day all three through their own index (some 33,000 rows created, 28,000
    // completions and 300 failures on a million).
    {
      label: 'timeline, last hour (GET /v1/stats/timeline?minutes=60)',
      path: () => '/v1/stats/timeline?minutes=60',
    },
    { label: 'timeline, last day (minutes=1440)', path: () => '/v1/stats/timeline?minutes=1440' },
    {
      label: 'bulk replay dry run: FAILED of one provider in a week (POST /v1/transactions/replay)',
      method: 'POST',
      path: () => '/v1/transactions/replay',
      body: {
        status: 'FAILED',
        provider: 'razorpay',
        created_after: at(0.5).toISOString(),
        created_before: at(0.5 + 7 / 30).toISOString(),
        dry_run: true,
      },
    },
    {
      label: 'payment state (GET /v1/payments/{id}, its events re-read)',
      path: (i) => `/v1/payments/${seed.paymentIds[i % seed.paymentIds.length]}`,
    },
    // No reconciliation runs on the seeded store: what the endpoint costs with nothing to report.
    { label: 'reconciliation, no run recorded (GET /v1/reconciliation)', path: () => '/v1/reconciliation' },
    // The last two change the store. An erasure on request of a different PROCESSED transaction's
    // payload each time; then each of those back to RECEIVED (no worker runs here).
    {
      label: "erase a PROCESSED transaction's payload (DELETE /v1/transactions/{id}/payload)",
      method: 'DELETE',
      status: 204,
      path: (i) => `/v1/transactions/${ids.processed[i % ids.processed.length]}/payload`,
    },
    {
      label: 'replay one PROCESSED transaction (POST /v1/transactions/{id}/replay)',
      method: 'POST',
      status: 202,
      path: (i) => `/v1/transactions/${ids.processed[i % ids.processed.length]}/replay`,
    },
  ];
}

/** Starts an API process on the seeded store and measures every probe. */
async function measure(
  store: OperatorRow['store'],
  env: Record<string, string>,
  seed: SeedSummary,
  log: (line: string) => void,
): Promise<OperatorRow[]> {
  const port = await freePort();
  const api = await startProcess(
    `operator ${store} api`,
    join(import.meta.dirname, '../src/main.js'),
    ['api'],
    { HOST: '127.0.0.1', LOG_LEVEL: 'warn', PORT: String(port), API_KEYS: KEY, ...env },
    port,
  );
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const base = new URL(api.url);
  const rows: OperatorRow[] = [];
  const send = (probe: Probe, i: number) =>
    timedRequest(base, agent, {
      method: probe.method,
      path: probe.path(i),
      body: probe.body,
      status: probe.status,
    });
  try {
    // Transactions to read one by one, as an operator opens what the list shows.
    const idsOf = async (query: string) =>
      (
        JSON.parse((await timedRequest(base, agent, { path: `/v1/transactions?${query}` })).text) as {
          items: { transaction_id: string }[];
        }
      ).items.map((item) => item.transaction_id);
    const ids: ProbeIds = {
      newest: await idsOf('limit=500'),
      failed: await idsOf('status=FAILED&limit=500'),
      processed: await idsOf('status=PROCESSED&limit=500'),
    };
    for (const probe of probes(seed, ids)) {
      for (let i = 0; i < WARM_UP; i++) await send(probe, REQUESTS + i);
      const times: number[] = [];
      for (let i = 0; i < REQUESTS; i++) times.push((await send(probe, i)).ms);
      times.sort((a, b) => a - b);
      const row: OperatorRow = {
        store,
        label: probe.label,
        rows: seed.rows,
        requests: REQUESTS,
        p50: quantile(times, 0.5),
        p99: quantile(times, 0.99),
        max: times.at(-1)!,
        seedSeconds: seed.seconds,
      };
      log(
        `  ${store} ${probe.label}: p50 ${row.p50.toFixed(2)} ms, p99 ${row.p99.toFixed(2)} ms, max ${row.max.toFixed(2)} ms`,
      );
      rows.push(row);
    }
  } finally {
    agent.destroy();
    await api.stop();
  }
  return rows;
}

/** Seeds a SQLite file in `dir` with `count` rows and measures the operators' queries on it. */
export async function measureSqliteOperator(dir: string, count: number, log: (line: string) => void) {
  const path = join(dir, 'operator.db');
  log(`SQLite: seeding ${count.toLocaleString('en-US')} transactions`);
  const seed = await seedSqlite(path, count);
  log(`  seeded in ${seed.seconds.toFixed(1)} s`);
  return measure('SQLite', { SQLITE_PATH: path }, seed, log);
}

/** Seeds the PostgreSQL database at `url` with `count` rows and measures the operators' queries on it. */
export async function measurePostgresOperator(url: string, count: number, log: (line: string) => void) {
  log(`PostgreSQL: seeding ${count.toLocaleString('en-US')} transactions`);
  const seed = await seedPostgres(url, count);
  log(`  seeded in ${seed.seconds.toFixed(1)} s`);
  return measure('PostgreSQL', { DATABASE_URL: url }, seed, log);
}
