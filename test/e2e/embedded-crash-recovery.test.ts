import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { getTransaction, postWebhook } from '../helpers/http-client.js';
import { webhookBody } from '../helpers/sample-transaction.js';
import { MAIN, spawnService } from '../helpers/service-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

test('transactions acknowledged before a SIGKILL are all PROCESSED after a restart', async (t) => {
  const dir = tempDir(t);
  const env = { SQLITE_PATH: join(dir, 'webhooks.db'), PORT: '0', PROCESS_DELAY_SECONDS: '1' };
  const first = await spawnService(t, 'all', env);
  const bodies = Array.from({ length: 40 }, () => webhookBody());
  const answers = await Promise.all(bodies.map((b) => postWebhook(first.url, b)));
  assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([202]));
  // Some transactions are mid-delay (PROCESSING, leased by the process about to die).
  assert.equal(await first.kill('SIGKILL'), 'SIGKILL');

  const second = await spawnService(t, 'all', env);
  for (const body of bodies) {
    await waitFor(
      async () =>
        ((await getTransaction(second.url, body.transaction_id as string)).body as { status: string })
          .status === 'PROCESSED',
      { timeoutMs: 30_000, message: `${body.transaction_id} to be PROCESSED` },
    );
  }
  const store = new SqliteStore({ path: env.SQLITE_PATH, synchronous: 'NORMAL' });
  await store.ready();
  t.after(() => store.close());
  assert.deepEqual(await store.countByStatus(), { RECEIVED: 0, PROCESSING: 0, PROCESSED: 40, FAILED: 0 });
  // Interrupted attempts count, so each transaction took one or two attempts, never more.
  for (const body of bodies) {
    const attempts = (await store.get(body.transaction_id as string))!.attempts;
    assert.ok(attempts === 1 || attempts === 2, `attempts ${attempts}`);
  }
});

test('api and worker run as separate processes on one SQLite file', async (t) => {
  const dir = tempDir(t);
  const env = { SQLITE_PATH: join(dir, 'webhooks.db'), PORT: '0', PROCESS_DELAY_SECONDS: '0.1' };
  const api = await spawnService(t, 'api', env);
  await spawnService(t, 'worker', env);
  const bodies = Array.from({ length: 20 }, () => webhookBody());
  for (const body of bodies) assert.equal((await postWebhook(api.url, body)).status, 202);
  for (const body of bodies) {
    await waitFor(
      async () =>
        ((await getTransaction(api.url, body.transaction_id as string)).body as { status: string }).status ===
        'PROCESSED',
      { timeoutMs: 20_000 },
    );
  }
});

test('a bad configuration value stops the process with one line naming the variable', async (t) => {
  const child = spawn(process.execPath, [MAIN, 'all'], {
    env: { PATH: process.env.PATH ?? '', PORT: 'eighty', SQLITE_PATH: join(tempDir(t), 'x.db') },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 1);
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0]!, /PORT/);
});

test('SIGTERM stops the service gracefully with exit code 0', async (t) => {
  const env = {
    SQLITE_PATH: join(tempDir(t), 'webhooks.db'),
    PORT: '0',
    PROCESS_DELAY_SECONDS: '30',
    SHUTDOWN_TIMEOUT_SECONDS: '2',
  };
  const service = await spawnService(t, 'all', env);
  const body = webhookBody();
  assert.equal((await postWebhook(service.url, body)).status, 202);
  assert.equal(await service.kill('SIGTERM'), 0);
  assert.match(service.output(), /"msg":"stopped"/);
  const store = new SqliteStore({ path: env.SQLITE_PATH, synchronous: 'NORMAL' });
  await store.ready();
  t.after(() => store.close());
  const record = await store.get(body.transaction_id as string);
  // Its 30-second handler was interrupted: the lease was released for the next start, not left to expire.
  assert.equal(record?.status, 'RECEIVED');
  assert.equal(record?.leaseOwner, null);
});
