import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config.js';
import { PROVIDER_REGISTRY, type ProviderRegistry } from '../../src/providers/provider-registry.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/sqlite-migrations.js';
import { request } from '../helpers/http-client.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';
import { send } from '../http/raw-http.js';
import {
  signTestgateway,
  TESTGATEWAY_SECRETS_VARIABLE,
  TESTGATEWAY_SIGNATURE_HEADER,
  testgatewayDefinition,
} from './testgateway/testgateway-definition.js';

// The registration line: all a new provider needs besides its folder.
const REGISTRY: ProviderRegistry = [...PROVIDER_REGISTRY, testgatewayDefinition];

const SECRET = 'tg_secret_41c9';

type Json = Record<string, unknown>;
const get = async (url: string, path: string) => (await request(url, 'GET', path)).body as Json;

const delivery = (id: string, paymentId: string) => {
  const body = Buffer.from(
    JSON.stringify({ id, type: 'payment.done', payment: { id: paymentId, amount: 1500 } }),
  );
  return {
    method: 'POST',
    path: '/v1/webhooks/testgateway',
    body,
    headers: {
      'content-type': 'application/json',
      [TESTGATEWAY_SIGNATURE_HEADER]: signTestgateway(SECRET, body),
    },
  };
};

test('a provider registered by one line gets its settings, endpoint, filter, stats row, dashboard option and payment state, with no migration', async (t) => {
  assert.equal(loadConfig({}, 'all', REGISTRY).providers.testgateway, null);
  assert.deepEqual(
    loadConfig({ [TESTGATEWAY_SECRETS_VARIABLE]: 'a, b' }, 'all', REGISTRY).providers.testgateway,
    {
      secrets: ['a', 'b'],
    },
  );

  // Unconfigured: the endpoint exists and names the variable that enables it.
  const off = await startTestRuntime(t, {}, { registry: REGISTRY });
  const refused = await send(off.url, delivery('tg_evt_1', 'tgp_1'));
  assert.equal(refused.status, 403);
  assert.match((refused.json as { detail: string }).detail, /TESTGATEWAY_WEBHOOK_SECRETS/);

  const path = join(tempDir(t), 'webhooks.db');
  const rt = await startTestRuntime(
    t,
    { SQLITE_PATH: path, [TESTGATEWAY_SECRETS_VARIABLE]: SECRET },
    { registry: REGISTRY },
  );
  const accepted = await send(rt.url, delivery('tg_evt_1', 'tgp_1'));
  assert.equal(accepted.status, 202, accepted.text);
  assert.equal((await send(rt.url, delivery('tg_evt_1', 'tgp_1'))).status, 202, 're-delivery');
  const unsigned = await send(rt.url, {
    ...delivery('tg_evt_2', 'tgp_2'),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(unsigned.status, 401);

  await waitFor(async () => (await get(rt.url, '/v1/transactions/tg_evt_1')).status === 'PROCESSED', {
    message: 'the test provider event processed',
  });
  const record = await get(rt.url, '/v1/transactions/tg_evt_1');
  assert.deepEqual(
    [
      record.provider,
      record.event_type,
      record.payment_id,
      record.payment_status,
      record.amount,
      record.currency,
    ],
    ['testgateway', 'payment.done', 'tgp_1', 'captured', 1500, 'INR'],
  );
  const listed = (await request(rt.url, 'GET', '/v1/transactions?provider=testgateway')).body as {
    items: { transaction_id: string }[];
  };
  assert.deepEqual(
    listed.items.map((i) => i.transaction_id),
    ['tg_evt_1'],
  );
  const badFilter = await request(rt.url, 'GET', '/v1/transactions?provider=nope');
  assert.equal(badFilter.status, 422);
  assert.match(JSON.stringify(badFilter.body), /testgateway/);
  const stats = (await request(rt.url, 'GET', '/v1/stats')).body as { by_provider: Record<string, unknown> };
  assert.deepEqual(
    Object.keys(stats.by_provider),
    REGISTRY.map((d) => d.name),
  );
  const dashboard = (await request(rt.url, 'GET', '/dashboard/config.json')).body as { providers: string[] };
  assert.deepEqual(
    dashboard.providers,
    REGISTRY.map((d) => d.name),
  );
  const state = await get(rt.url, '/v1/payments/tgp_1');
  assert.deepEqual([state.provider, state.payment_status, state.amount], ['testgateway', 'captured', 1500]);
  const openapi = (await request(rt.url, 'GET', '/openapi.json')).body as { paths: Record<string, unknown> };
  assert.ok(openapi.paths['/v1/webhooks/testgateway']);

  // The file holds the service's own migrations only: none was added for this provider.
  await rt.stop();
  const db = new Database(path, { readonly: true });
  t.after(() => db.close());
  assert.equal(db.pragma('user_version', { simple: true }), SQLITE_MIGRATIONS.length);
  assert.equal(
    db.prepare("SELECT provider FROM transactions WHERE transaction_id = 'tg_evt_1'").pluck().get(),
    'testgateway',
  );
});
