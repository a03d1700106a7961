import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { postWebhook } from '../helpers/http-client.js';
import { webhookBody } from '../helpers/sample-transaction.js';
import { spawnService } from '../helpers/service-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

/** Cycles per run; `START_STOP_CYCLES=20` for the long check the README quotes. */
const CYCLES = Number(process.env.START_STOP_CYCLES ?? 3);
const PER_CYCLE = 200;

test(`${CYCLES} start / load / SIGTERM cycles on one SQLite file each exit 0, and every acknowledged webhook ends PROCESSED`, {
  timeout: 60_000 + CYCLES * 30_000,
}, async (t) => {
  const env = {
    SQLITE_PATH: join(tempDir(t), 'webhooks.db'),
    PORT: '0',
    PROCESS_DELAY_SECONDS: '0.2',
    SHUTDOWN_TIMEOUT_SECONDS: '3',
  };
  const acknowledged: string[] = [];
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    const service = await spawnService(t, 'all', env);
    const bodies = Array.from({ length: PER_CYCLE }, () => webhookBody());
    // 20 at a time, as a provider's retries arrive, and stopped while handlers are still running.
    for (let i = 0; i < bodies.length; i += 20) {
      const answers = await Promise.all(bodies.slice(i, i + 20).map((b) => postWebhook(service.url, b)));
      assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([202]));
    }
    acknowledged.push(...bodies.map((b) => b.transaction_id as string));
    const exit = await service.kill('SIGTERM');
    assert.doesNotMatch(service.output(), /Assertion failed|Segmentation fault|uncaught/i, `cycle ${cycle}`);
    assert.equal(exit, 0, `cycle ${cycle} exited with ${exit}:\n${service.output().slice(-2000)}`);
    assert.match(service.output(), /"msg":"stopped"/);
  }
  // One more start finishes what the last stop handed back.
  const last = await spawnService(t, 'all', env);
  const store = new SqliteStore({ path: env.SQLITE_PATH, synchronous: 'NORMAL' });
  await store.ready();
  t.after(() => store.close());
  await waitFor(async () => (await store.countByStatus()).PROCESSED === acknowledged.length, {
    timeoutMs: 30_000,
    message: `all ${acknowledged.length} acknowledged webhooks PROCESSED`,
  });
  for (const id of acknowledged) assert.equal((await store.get(id))?.status, 'PROCESSED', id);
  assert.equal(await last.kill('SIGTERM'), 0);
});

test('a SIGTERM sent to `npm run start:api` stops the service itself: npm exits 0 and nothing is left listening', async (t) => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const child = spawn('npm', ['run', '--silent', 'start:api'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      SQLITE_PATH: join(tempDir(t), 'webhooks.db'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that the test can end whatever npm leaves behind.
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code ?? 0)),
  );
  t.after(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
    child.stdout.destroy();
    child.stderr.destroy();
  });
  const url = await waitFor(() => /"address":"(http:\/\/[^"]+)"/.exec(out)?.[1], {
    message: `npm run start:api to listen:\n${out}`,
  });
  assert.equal((await postWebhook(url, webhookBody())).status, 202);
  // As a process manager stops it: the signal goes to npm's process, not to the service's.
  child.kill('SIGTERM');
  assert.equal(await exited, 0, out);
  assert.match(out, /"msg":"stopped"/, 'the service itself shut down');
  await assert.rejects(fetch(url), 'nothing listens any more');
});
