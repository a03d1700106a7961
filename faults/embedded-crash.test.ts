import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../test/helpers/temp-dir.js';
import { LEDGER_HANDLER, printReport, RETENTION_ENV, streamThroughACrash } from './fault-harness.js';
import { verifyDelivery } from './verify-delivery.js';

test('embedded mode: SIGKILL mid-stream and restart loses nothing and completes nothing twice', async (t) => {
  const dir = tempDir(t);
  const ledgerPath = join(dir, 'ledger.txt');
  const env = {
    SQLITE_PATH: join(dir, 'webhooks.db'),
    PORT: '0',
    PROCESS_DELAY_SECONDS: '1',
    HANDLER_MODULE: LEDGER_HANDLER,
    LEDGER_PATH: ledgerPath,
    LOG_LEVEL: 'warn',
    ...RETENTION_ENV,
  };
  // Killed mid-stream, with ~60 transactions inside their 1-second handler and more arriving.
  const stream = await streamThroughACrash(t, env, { count: 300, perSecond: 60, killAt: 150 });
  const store = new SqliteStore({ path: env.SQLITE_PATH, synchronous: 'NORMAL' });
  await store.ready();
  t.after(() => store.close());
  const report = await verifyDelivery({
    scenario: 'embedded: SIGKILL + restart',
    statusOf: async (id) => (await store.get(id))?.status,
    acknowledged: stream.acknowledged,
    ledgerPath,
    lastFaultAt: stream.killedAt,
    deadlineMs: 90_000,
    retentionDeadlineMs: 60_000,
  });
  printReport(report);
  assert.equal(report.acknowledged, 300);
  assert.equal(report.lost, 0);
  assert.equal(report.completedTwice, 0);
  assert.equal(report.deletedByRetention, 300, 'retention deleted every transaction once it was done');
});
