import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { createQueue } from '../src/queue/create-queue.js';
import { createStore } from '../src/store/create-store.js';
import type { TransactionStore } from '../src/store/transaction-store.js';
import { type BenchProcess, freePort, MAIN, startProcess } from './bench-processes.js';
import { BENCH_PAYU_KEY, BENCH_PAYU_SALT } from './payu-deliveries.js';
import { BENCH_RAZORPAY_SECRET } from './razorpay-deliveries.js';

/** A running service under test: where to send webhooks, and its processes for memory readings. */
export interface RunningService {
  url: string;
  processes: BenchProcess[];
  stop(): Promise<void>;
}

/**
 * One way of deploying the service (embedded SQLite in one process, or PostgreSQL + Redis with API
 * and worker apart). Every phase of the bench gets a fresh, empty store and queue.
 */
export interface Deployment {
  /** Short key used in results: `embedded`, `embedded-normal`, `postgres-redis`. */
  readonly key: string;
  /** Human label for the table. */
  readonly label: string;
  /** True when API and worker run as separate processes. */
  readonly split: boolean;
  /** Environment of a fresh, isolated store and queue for `phase`. */
  environment(phase: string): Promise<Record<string, string>>;
  /** Removes what the phases created (files, databases, Redis keys). */
  cleanup(): Promise<void>;
}

/** Variables every service process gets: quiet logs (the acceptance measures LOG_LEVEL=warn) and loopback only. */
const BASE_ENV = {
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  RAZORPAY_WEBHOOK_SECRETS: BENCH_RAZORPAY_SECRET,
  PAYU_MERCHANT_KEY: BENCH_PAYU_KEY,
  PAYU_MERCHANT_SALTS: BENCH_PAYU_SALT,
};

/**
 * Starts `deployment` for `phase`: one `all` process, or an `api` and a `worker` process. `extra`
 * overrides variables (PROCESS_DELAY_SECONDS, SQLITE_SYNCHRONOUS).
 */
export async function startService(
  deployment: Deployment,
  phase: string,
  extra: Record<string, string> = {},
): Promise<RunningService> {
  const port = await freePort();
  const env = { ...BASE_ENV, ...(await deployment.environment(phase)), PORT: String(port), ...extra };
  const processes: BenchProcess[] = [];
  const stop = async () => {
    for (const p of processes) await p.stop();
  };
  try {
    if (deployment.split) {
      processes.push(await startProcess(`${deployment.key} worker`, MAIN, ['worker'], env));
      processes.push(await startProcess(`${deployment.key} api`, MAIN, ['api'], env, port));
    } else {
      processes.push(await startProcess(`${deployment.key} all`, MAIN, ['all'], env, port));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, processes, stop };
}

/** Starts only the API of `deployment` (no worker anywhere), to load a backlog for a drain run. */
export async function startApiOnly(
  deployment: Deployment,
  phase: string,
  extra: Record<string, string> = {},
): Promise<RunningService> {
  const port = await freePort();
  const env = { ...BASE_ENV, ...(await deployment.environment(phase)), PORT: String(port), ...extra };
  const api = await startProcess(`${deployment.key} api`, MAIN, ['api'], env, port);
  return { url: `http://127.0.0.1:${port}`, processes: [api], stop: () => api.stop() };
}

/** Starts one worker process of `deployment` for `phase` (not waiting for anything). */
export async function startWorker(
  deployment: Deployment,
  phase: string,
  extra: Record<string, string> = {},
): Promise<BenchProcess> {
  const env = { ...BASE_ENV, ...(await deployment.environment(phase)), ...extra };
  return startProcess(`${deployment.key} worker`, MAIN, ['worker'], env);
}

/** Opens the store of `phase` from the bench process, to watch statuses during a drain. */
export async function openStore(deployment: Deployment, phase: string): Promise<TransactionStore> {
  const config = loadConfig(await deployment.environment(phase), 'worker');
  const store = await createStore(config.store);
  await store.ready();
  return store;
}

/** SQLite in a temporary directory, API and worker in one process (`npm start`). */
export function embeddedDeployment(synchronous: 'FULL' | 'NORMAL'): Deployment {
  const dir = mkdtempSync(join(tmpdir(), 'webhooks-bench-'));
  return {
    key: synchronous === 'FULL' ? 'embedded' : 'embedded-normal',
    label: `embedded (SQLite ${synchronous})`,
    split: false,
    environment: async (phase) => ({
      SQLITE_PATH: join(dir, `${phase}.db`),
      SQLITE_SYNCHRONOUS: synchronous,
    }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) || defaultPort });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * PostgreSQL + Redis with API and worker as separate processes, or the reason it cannot run here
 * (servers unreachable, or the adapters not in this build). Each phase gets its own database
 * (created and dropped by the bench) and its own queue name.
 */
export async function postgresRedisDeployment(
  runId: string,
): Promise<{ deployment: Deployment } | { skipped: string }> {
  const adminUrl =
    process.env.BENCH_DATABASE_URL ||
    process.env.TEST_DATABASE_URL ||
    'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.BENCH_REDIS_URL || process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
  if (!(await reachable(adminUrl, 5432)))
    return { skipped: `PostgreSQL unreachable at ${new URL(adminUrl).host}` };
  if (!(await reachable(redisUrl, 6379)))
    return { skipped: `Redis unreachable at ${new URL(redisUrl).host}` };

  let pg: typeof import('pg')['default'];
  try {
    pg = (await import('pg')).default;
  } catch {
    return { skipped: 'the pg driver is not installed' };
  }
  const databases = new Map<string, string>();
  const queueNames = new Set<string>();
  const admin = async <T>(fn: (client: import('pg').Client) => Promise<T>) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  const databaseUrl = (name: string) => {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const deployment: Deployment = {
    key: 'postgres-redis',
    label: 'PostgreSQL + Redis (api, worker apart)',
    split: true,
    environment: async (phase) => {
      const name = `bench_${runId}_${phase}`.replace(/[^a-z0-9_]/g, '_');
      if (!databases.has(phase)) {
        await admin((c) => c.query(`CREATE DATABASE "${name}"`));
        databases.set(phase, name);
        queueNames.add(name);
      }
      return { DATABASE_URL: databaseUrl(name), REDIS_URL: redisUrl, QUEUE_NAME: name };
    },
    cleanup: async () => {
      for (const name of databases.values()) {
        await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch(() => undefined);
      }
      await deleteQueueKeys(redisUrl, [...queueNames]);
    },
  };

  // The adapters are optional in a build: probe them on a throwaway phase before promising a run.
  try {
    const config = loadConfig(await deployment.environment('probe'), 'api');
    const store = await createStore(config.store);
    const queue = await createQueue(config.queue);
    try {
      await store.ready();
      await queue.ready();
      await store.ping();
      await queue.ping();
    } finally {
      await queue.close().catch(() => undefined);
      await store.close().catch(() => undefined);
    }
  } catch (error) {
    await deployment.cleanup();
    return { skipped: `adapters not usable: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { deployment };
}

/**
 * Deletes the bench's BullMQ keys. ioredis comes with BullMQ; if it cannot be loaded the keys stay
 * (they are namespaced by run id) and a line says so.
 */
async function deleteQueueKeys(redisUrl: string, queueNames: string[]): Promise<void> {
  if (queueNames.length === 0) return;
  try {
    const { Redis } = await import('ioredis');
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      for (const name of queueNames) {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `*:${name}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      }
    } finally {
      redis.disconnect();
    }
  } catch (error) {
    process.stderr.write(
      `could not delete the bench's Redis keys (${error instanceof Error ? error.message : String(error)})\n`,
    );
  }
}
