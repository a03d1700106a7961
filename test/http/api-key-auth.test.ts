import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { createLogger } from '../../src/logger.js';
import { uniqueId, webhookBody } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { send, WEBHOOK_PATH } from './raw-http.js';

const KEY = 'k_live_8f3a1c2e9b7d4f60';
const NEXT_KEY = 'k_live_rotated_5d2e7a91';

async function seed(url: string) {
  const body = webhookBody();
  const res = await send(url, {
    method: 'POST',
    path: WEBHOOK_PATH,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 202, res.text);
  return body.transaction_id as string;
}

describe('API_KEYS', () => {
  test('reads need a listed key: none or a wrong one is 401, a right one (either, after rotation) is 200', async (t) => {
    const rt = await startTestRuntime(t, { API_KEYS: `${KEY},${NEXT_KEY}` });
    const id = await seed(rt.url);
    const path = `/v1/transactions/${id}`;
    const refused: Record<string, Record<string, string>> = {
      'no header': {},
      'wrong key': { authorization: 'Bearer k_live_wrong' },
      'key prefix': { authorization: `Bearer ${KEY.slice(0, -1)}` },
      'key with a suffix': { authorization: `Bearer ${KEY}x` },
      'empty bearer': { authorization: 'Bearer ' },
      'no scheme': { authorization: KEY },
      'basic scheme': { authorization: `Basic ${Buffer.from(`user:${KEY}`).toString('base64')}` },
      'two keys': { authorization: `Bearer ${KEY} ${NEXT_KEY}` },
      'key in another header': { 'x-api-key': KEY },
      'key in the query': {},
    };
    for (const [name, headers] of Object.entries(refused)) {
      const res = await send(rt.url, {
        path: name === 'key in the query' ? `${path}?api_key=${KEY}` : path,
        headers,
      });
      assert.equal(res.status, 401, name);
      assert.deepEqual(res.json, { detail: 'Missing or invalid API key' }, name);
      assert.equal(res.headers['www-authenticate'], 'Bearer', name);
      assert.ok(!res.text.includes(id), `${name}: nothing about the transaction leaks`);
    }
    for (const authorization of [`Bearer ${KEY}`, `Bearer ${NEXT_KEY}`, `bearer ${KEY}`, `Bearer  ${KEY} `]) {
      const res = await send(rt.url, { path, headers: { authorization } });
      assert.equal(res.status, 200, authorization);
      assert.equal((res.json as { transaction_id: string }).transaction_id, id);
    }
  });

  test('401 comes before 404, 415 and 422, so a caller without a key learns nothing', async (t) => {
    const rt = await startTestRuntime(t, { API_KEYS: KEY });
    for (const [method, path, headers] of [
      ['GET', `/v1/transactions/${uniqueId()}`, {}],
      ['GET', '/v1/transactions/not$valid', {}],
      ['GET', `/v1/transactions/${'a'.repeat(300)}`, {}],
      ['HEAD', `/v1/transactions/${uniqueId()}`, {}],
      ['POST', `/v1/transactions/${uniqueId()}/retry`, {}],
      ['POST', '/v1/transactions/bad%20id/retry', { 'content-type': 'text/plain' }],
    ] as const) {
      const res = await send(rt.url, { method, path, headers, body: method === 'POST' ? 'x' : undefined });
      assert.equal(res.status, 401, `${method} ${path}`);
    }
  });

  test('with the key, admin and read endpoints answer normally', async (t) => {
    const rt = await startTestRuntime(t, { API_KEYS: KEY });
    const auth = { authorization: `Bearer ${KEY}` };
    const id = await seed(rt.url);
    assert.equal((await send(rt.url, { path: `/v1/transactions/${uniqueId()}`, headers: auth })).status, 404);
    assert.equal((await send(rt.url, { path: '/v1/transactions/not$valid', headers: auth })).status, 422);
    const retry = await send(rt.url, { method: 'POST', path: `/v1/transactions/${id}/retry`, headers: auth });
    assert.equal(retry.status, 409, retry.text);
  });

  test('health, webhook and docs stay open', async (t) => {
    const rt = await startTestRuntime(t, { API_KEYS: KEY });
    assert.equal((await send(rt.url, { path: '/' })).status, 200);
    assert.equal((await send(rt.url, { method: 'HEAD', path: '/' })).status, 200);
    await seed(rt.url);
    assert.equal((await send(rt.url, { path: '/docs/' })).status, 200);
    assert.equal((await send(rt.url, { path: '/openapi.json' })).status, 200);
  });

  test('unset, reads are open and the service warns once at start, naming no key', async (t) => {
    let output = '';
    const capture = new Writable({
      write(chunk, _encoding, callback) {
        output += String(chunk);
        callback();
      },
    });
    const rt = await startTestRuntime(t, {}, { logger: createLogger('info', capture) });
    const id = await seed(rt.url);
    assert.equal((await send(rt.url, { path: `/v1/transactions/${id}` })).status, 200);
    const warnings = output.split('\n').filter((line) => line.includes('API_KEYS is not set'));
    assert.equal(warnings.length, 1);
    assert.equal(JSON.parse(warnings[0]!).level, 40);
  });

  test('set, no warning is logged', async (t) => {
    let output = '';
    const capture = new Writable({
      write(chunk, _encoding, callback) {
        output += String(chunk);
        callback();
      },
    });
    await startTestRuntime(t, { API_KEYS: KEY }, { logger: createLogger('info', capture) });
    assert.ok(!output.includes('API_KEYS is not set'));
    assert.ok(!output.includes(KEY));
  });
});
