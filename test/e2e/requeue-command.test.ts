import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { newTransaction } from '../helpers/sample-transaction.js';
import { MAIN } from '../helpers/service-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);

async function requeue(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout } = await run(process.execPath, [MAIN, 'requeue', ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout + e.stderr };
  }
}

test('requeue <id> puts a FAILED transaction back to RECEIVED, and refuses others', async (t) => {
  const path = join(tempDir(t), 'webhooks.db');
  const store = new SqliteStore({ path, synchronous: 'NORMAL' });
  await store.ready();
  t.after(() => store.close());
  const failed = newTransaction();
  const fresh = newTransaction();
  await store.insertMany([failed, fresh]);
  await store.claim(failed.transactionId, 'w', 60_000);
  await store.fail(failed.transactionId, 'w', 'Error: gateway down');

  const ok = await requeue({ SQLITE_PATH: path }, failed.transactionId);
  assert.equal(ok.code, 0, ok.stdout);
  const printed = JSON.parse(ok.stdout) as {
    outcome: string;
    transaction: { status: string; attempts: number };
  };
  assert.equal(printed.outcome, 'requeued');
  assert.equal(printed.transaction.status, 'RECEIVED');
  assert.equal(printed.transaction.attempts, 0);
  assert.equal((await store.get(failed.transactionId))?.status, 'RECEIVED');

  const notFailed = await requeue({ SQLITE_PATH: path }, fresh.transactionId);
  assert.equal(notFailed.code, 1);
  assert.match(notFailed.stdout, /not-failed/);
  const missing = await requeue({ SQLITE_PATH: path }, 'txn_unknown');
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /Transaction not found/);
  assert.equal((await requeue({ SQLITE_PATH: path })).code, 2);
});
