/**
 * Run as its own process by `sqlite-native-teardown.test.ts`: opens, uses and closes SQLite stores
 * over and over, on the main thread and in worker threads, leaving every statement and connection
 * object to the garbage collector, and gives V8 idle time between rounds so its collections also
 * run from the platform's own tasks, where no JavaScript context is entered. An addon that
 * finalises its objects through `node::ObjectWrap` (better-sqlite3 12 and earlier) aborts the
 * process there on Node.js 24.19 to 24.21. Prints `churn done` and exits 0 when it survives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread, Worker, workerData } from 'node:worker_threads';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { newTransaction } from '../helpers/sample-transaction.js';

const ROUNDS = Number(isMainThread ? (process.env.CHURN_ROUNDS ?? 10) : workerData.rounds);

async function churn(rounds: number, dir: string): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const store = new SqliteStore({ path: join(dir, `round-${round}.db`), synchronous: 'FULL' });
    await store.ready();
    const items = Array.from({ length: 20 }, () => newTransaction());
    await store.insertMany(items);
    for (const item of items) await store.get(item.transactionId);
    // Each ping prepares a statement it drops at once: garbage for the collector.
    for (let i = 0; i < 200; i++) await store.ping();
    await store.countByStatus();
    await store.close();
    const garbage: object[] = [];
    for (let i = 0; i < 20_000; i++) garbage.push({ i, text: `x${i}` });
    await sleep(2);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'sqlite-churn-'));
try {
  if (isMainThread) {
    const threads = Array.from(
      { length: 3 },
      () =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: { rounds: ROUNDS / 2 } });
          worker.once('error', reject);
          worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`thread exit ${code}`))));
        }),
    );
    await Promise.all([churn(ROUNDS, dir), ...threads]);
    console.log('churn done');
  } else {
    await churn(ROUNDS, dir);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
