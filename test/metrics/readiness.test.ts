import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from '../helpers/http-client.js';
import { startTestRuntime } from '../helpers/test-runtime.js';

test('/ready answers 200 when the store and the queue are reachable', async (t) => {
  const runtime = await startTestRuntime(t);
  const response = await request(runtime.url, 'GET', '/ready');
  assert.equal(response.status, 200);
  assert.deepEqual(response.body, { status: 'READY' });
  // The original health check is unchanged.
  assert.equal((await request(runtime.url, 'GET', '/')).status, 200);
});

test('/ready answers 503 naming the store once the store is closed', async (t) => {
  const runtime = await startTestRuntime(t);
  await runtime.store.close();
  const response = await request(runtime.url, 'GET', '/ready');
  assert.equal(response.status, 503);
  assert.deepEqual(response.body, { status: 'NOT_READY', store: 'unreachable', queue: 'ok' });
  // Liveness does not depend on the store.
  assert.equal((await request(runtime.url, 'GET', '/')).status, 200);
});

test('/ready answers 503 naming the queue when its ping fails', async (t) => {
  const runtime = await startTestRuntime(t);
  const ping = runtime.queue.ping;
  runtime.queue.ping = async () => {
    throw new Error('connection refused by 10.0.0.7:6379');
  };
  t.after(() => {
    runtime.queue.ping = ping;
  });
  const response = await request(runtime.url, 'GET', '/ready');
  assert.equal(response.status, 503);
  assert.deepEqual(response.body, { status: 'NOT_READY', store: 'ok', queue: 'unreachable' });
  assert.doesNotMatch(JSON.stringify(response.body), /10\.0\.0\.7/, 'the cause is not shown');
});
