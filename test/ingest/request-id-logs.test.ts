import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/logger.js';
import { postWebhook } from '../helpers/http-client.js';
import { webhookBody } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

test("a webhook's request id follows its transaction into the worker's log lines", async (t) => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const runtime = await startTestRuntime(
    t,
    { PROCESS_DELAY_SECONDS: '0' },
    {
      logger: createLogger('debug', sink),
      handler: async (_transaction, { log }) => {
        log.info('handled by the test handler');
      },
    },
  );
  const body = webhookBody();
  const response = await postWebhook(runtime.url, body, { 'x-request-id': 'trace-abc-123' });
  assert.equal(response.status, 202);
  await waitFor(() => lines.some((l) => l.msg === 'processed'), { message: "the worker's processed line" });

  const traced = lines.filter((l) => l.reqId === 'trace-abc-123');
  const messages = traced.map((l) => l.msg);
  assert.ok(messages.includes('webhook stored'), `the API line carries the id: ${JSON.stringify(messages)}`);
  assert.ok(messages.includes('handled by the test handler'), "the handler's logger carries the id");
  const processed = traced.find((l) => l.msg === 'processed');
  assert.ok(processed, "the worker's own line carries the id");
  assert.equal(processed.role, 'worker');
  assert.equal(processed.transactionId, body.transaction_id);
});

test('at info level, a webhook and its processing write no log line', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const runtime = await startTestRuntime(
    t,
    { PROCESS_DELAY_SECONDS: '0' },
    { logger: createLogger('info', sink) },
  );
  const before = lines.length;
  for (let i = 0; i < 20; i++) assert.equal((await postWebhook(runtime.url, webhookBody())).status, 202);
  await waitFor(async () => (await runtime.store.countByStatus()).PROCESSED === 20, {
    message: 'all processed',
  });
  assert.deepEqual(lines.slice(before), []);
});

test('webhooks sent without X-Request-Id are stored with distinct generated ids', async (t) => {
  const runtime = await startTestRuntime(t, {});
  const bodies = [webhookBody(), webhookBody(), webhookBody()];
  for (const body of bodies) assert.equal((await postWebhook(runtime.url, body)).status, 202);
  const ids = await Promise.all(
    bodies.map(async (body) => (await runtime.store.get(String(body.transaction_id)))?.requestId),
  );
  assert.equal(new Set(ids).size, 3, `distinct: ${JSON.stringify(ids)}`);
  // The same shape as an offered X-Request-Id, so a generated id can be passed on and kept.
  for (const id of ids) assert.match(id ?? '', /^[A-Za-z0-9._:-]{1,64}$/);
});
