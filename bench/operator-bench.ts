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

/** GETs `path` and resolves with the milliseconds to the last byte; rejects on anything but 200. */
function timedGet(base: URL, agent: Agent, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(
      { host: base.hostname, port: base.port, path, agent, headers: { authorization: `Bearer ${KEY}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => {
          const ms = performance.now() - started;
          if (res.statusCode !== 200)
            reject(new Error(`${path}: ${res.statusCode} ${Buffer.concat(chunks)}`));
          else resolve(ms);
        });
      },
    );
    req.once('error', reject);
    req.end();
  });
}

/** One measured query: its label and how to make the i-th request's path. */
interface Probe {
  label: string;
  path: (i: number) => string;
}

function probes(seed: SeedSummary): Probe[] {
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
      label: 'payment state (GET /v1/payments/{id}, its events re-read)',
      path: (i) => `/v1/payments/${seed.paymentIds[i % seed.paymentIds.length]}`,
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
  try {
    for (const probe of probes(seed)) {
      for (let i = 0; i < WARM_UP; i++) await timedGet(base, agent, probe.path(REQUESTS + i));
      const times: number[] = [];
      for (let i = 0; i < REQUESTS; i++) times.push(await timedGet(base, agent, probe.path(i)));
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
