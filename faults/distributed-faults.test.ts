import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { disposableDatabase } from '../test/helpers/disposable-database.js';
import { type ServiceProcess, spawnService } from '../test/helpers/service-process.js';
import { skipUnlessReachable, TEST_DATABASE_URL, TEST_REDIS_URL } from '../test/helpers/services.js';
import { tempDir } from '../test/helpers/temp-dir.js';
import { LEDGER_HANDLER, printReport, RETENTION_ENV, sendStream, statusThroughApi } from './fault-harness.js';
import { serviceControl } from './service-control.js';
import { verifyDelivery } from './verify-delivery.js';

const skip =
  (await skipUnlessReachable('postgres', TEST_DATABASE_URL)) ||
  (await skipUnlessReachable('redis', TEST_REDIS_URL));

async function topology(t: Parameters<typeof spawnService>[0], extraEnv: Record<string, string>) {
  const dir = tempDir(t);
  const ledgerPath = join(dir, 'ledger.txt');
  const prefix = `{faults_${randomBytes(4).toString('hex')}}`;
  const env = {
    DATABASE_URL: await disposableDatabase(t, TEST_DATABASE_URL),
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    PORT: '0',
    HANDLER_MODULE: LEDGER_HANDLER,
    LEDGER_PATH: ledgerPath,
    ...RETENTION_ENV,
    ...extraEnv,
  };
  const api = await spawnService(t, 'api', env);
  const workers = [await spawnService(t, 'worker', env), await spawnService(t, 'worker', env)];
  return { env, ledgerPath, prefix, api, workers };
}

test('PostgreSQL + Redis: API and worker SIGKILLs, queue wipe, Redis and PostgreSQL restarts lose nothing', {
  skip,
  timeout: 600_000,
}, async (t) => {
  const { env, ledgerPath, prefix, workers, ...rest } = await topology(t, {
    PROCESS_DELAY_SECONDS: '2',
    LEASE_SECONDS: '5',
    SWEEP_INTERVAL_SECONDS: '1',
    RECEIVED_STALE_SECONDS: '5',
  });
  let api: ServiceProcess = rest.api;
  let url = api.url;
  let lastFaultAt = Date.now();
  const faults: Record<number, () => Promise<void>> = {
    80: async () => {
      await api.kill('SIGKILL');
      api = await spawnService(t, 'api', env);
      url = api.url;
    },
    160: async () => {
      await workers[0]!.kill('SIGKILL');
      workers[0] = await spawnService(t, 'worker', env);
    },
    240: async () => {
      await serviceControl.wipeQueue(env.REDIS_URL, prefix);
    },
    300: async () => {
      await serviceControl.restartRedis(env.REDIS_URL);
    },
    360: async () => {
      await serviceControl.restartPostgres(TEST_DATABASE_URL);
    },
  };
  const stream = await sendStream({
    count: 420,
    perSecond: 40,
    target: () => url,
    onSent: async (n) => {
      const fault = faults[n];
      if (!fault) return;
      await fault();
      lastFaultAt = Date.now();
    },
  });
  const report = await verifyDelivery({
    scenario: 'postgres+redis: kill api, kill worker, wipe queue, restart redis, restart postgres',
    statusOf: statusThroughApi(() => url),
    acknowledged: stream.acknowledged,
    ledgerPath,
    lastFaultAt,
    // Lease (5 s) + sweep interval (1 s) + stale threshold (5 s) + the 2 s handler, with room to spare.
    deadlineMs: 60_000,
    retentionDeadlineMs: 60_000,
  });
  printReport(report);
  assert.equal(report.acknowledged, 420);
  assert.equal(report.lost, 0);
  assert.equal(report.completedTwice, 0);
  assert.equal(report.deletedByRetention, 420, 'retention deleted every transaction once it was done');
});

test('default leases and sweeps: a worker SIGKILL after 120 and a queue wipe after 200 of 300 recover within 150 s', {
  skip,
  timeout: 600_000,
}, async (t) => {
  const { env, ledgerPath, prefix, workers, api } = await topology(t, { PROCESS_DELAY_SECONDS: '3' });
  let lastFaultAt = Date.now();
  const stream = await sendStream({
    count: 300,
    perSecond: 30,
    target: () => api.url,
    onSent: async (n) => {
      if (n === 120) await workers[0]!.kill('SIGKILL');
      if (n === 200) await serviceControl.wipeQueue(env.REDIS_URL, prefix);
      if (n === 120 || n === 200) lastFaultAt = Date.now();
    },
  });
  const report = await verifyDelivery({
    scenario: 'postgres+redis defaults: kill worker at 120, wipe queue at 200',
    statusOf: statusThroughApi(() => api.url),
    acknowledged: stream.acknowledged,
    ledgerPath,
    lastFaultAt,
    deadlineMs: 150_000,
    retentionDeadlineMs: 60_000,
  });
  printReport(report);
  assert.equal(report.acknowledged, 300);
  assert.equal(report.lost, 0);
  assert.equal(report.completedTwice, 0);
  assert.equal(report.deletedByRetention, 300, 'retention deleted every transaction once it was done');
});
