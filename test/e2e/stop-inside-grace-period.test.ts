import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { shutdownHardLimitMs } from '../../src/shutdown-hard-limit.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { getTransaction, postWebhook } from '../helpers/http-client.js';
import { webhookBody } from '../helpers/sample-transaction.js';
import { spawnService } from '../helpers/service-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

/** `docker stop`'s default wait between SIGTERM and SIGKILL (also Compose's `stop_grace_period`). */
const DOCKER_GRACE_MS = 10_000;
/** Kubernetes' default `terminationGracePeriodSeconds`. */
const KUBERNETES_GRACE_MS = 30_000;

test("with the defaults, the process is gone, whatever happens, a second before docker stop's SIGKILL", () => {
  for (const role of ['all', 'api', 'worker'] as const) {
    const hardLimit = shutdownHardLimitMs(loadConfig({}, role).shutdownTimeoutMs);
    assert.ok(hardLimit <= DOCKER_GRACE_MS - 1000, `${role}: hard limit ${hardLimit} ms`);
    assert.ok(hardLimit < KUBERNETES_GRACE_MS);
  }
});

test('SIGTERM with a handler in flight and the default timeout: the handler is released and the process exits 0 on its own, not by its hard limit', {
  timeout: 60_000,
}, async (t) => {
  const path = join(tempDir(t), 'webhooks.db');
  // No SHUTDOWN_TIMEOUT_SECONDS: the default is under test. The handler waits an hour, so it is
  // still running when the signal comes and has to be cut short and handed back.
  const service = await spawnService(t, 'all', {
    SQLITE_PATH: path,
    PORT: '0',
    PROCESS_DELAY_SECONDS: '3600',
  });
  const body = webhookBody();
  const id = body.transaction_id as string;
  assert.equal((await postWebhook(service.url, body)).status, 202);
  await waitFor(
    async () => ((await getTransaction(service.url, id)).body as { status?: string }).status === 'PROCESSING',
    { message: 'the handler to be running' },
  );

  const exit = await service.kill('SIGTERM');
  assert.equal(exit, 0, service.output().slice(-2000));
  assert.match(service.output(), /"msg":"stopped"/);
  assert.doesNotMatch(service.output(), /shutdown took too long/);

  const store = new SqliteStore({ path, synchronous: 'NORMAL' });
  await store.ready();
  t.after(() => store.close());
  const record = await store.get(id);
  assert.equal(record?.status, 'RECEIVED');
  assert.equal(record?.leaseOwner, null);
  assert.equal(record?.attempts, 0);
});
