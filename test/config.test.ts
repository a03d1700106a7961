import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { PROVIDER_REGISTRY, providerNames } from '../src/providers/provider-registry.js';

test('defaults match the original service', () => {
  const config = loadConfig({}, 'all');
  assert.equal(config.http.port, 8000);
  assert.equal(config.http.host, '0.0.0.0');
  assert.equal(config.worker.processDelayMs, 30_000);
  assert.deepEqual(config.store, { kind: 'sqlite', path: './data/webhooks.db', synchronous: 'FULL' });
  assert.deepEqual(config.queue, { kind: 'in-process', maxWaiting: 10_000 });
  assert.equal(config.http.bodyLimit, 65536);
  assert.deepEqual(config.apiKeys, []);
});

test('fractions of a second are allowed for the processing delay', () => {
  assert.equal(loadConfig({ PROCESS_DELAY_SECONDS: '0.25' }, 'all').worker.processDelayMs, 250);
});

test('the store is inferred from the URL that is set, or named by STORE', () => {
  assert.equal(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }, 'all').store.kind, 'postgres');
  assert.deepEqual(loadConfig({ MONGO_URL: 'mongodb://h:27017' }, 'all').store, {
    kind: 'mongo',
    url: 'mongodb://h:27017',
    database: 'webhooks_db',
  });
  const both = { DATABASE_URL: 'postgres://u@h/db', MONGO_URL: 'mongodb://h' };
  assert.equal(loadConfig({ ...both, STORE: 'mongo' }, 'all').store.kind, 'mongo');
  assert.equal(loadConfig({ ...both, STORE: 'sqlite' }, 'all').store.kind, 'sqlite');
});

test('two store URLs without STORE stop the start with a message that says so', () => {
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'postgres://u@h/db', MONGO_URL: 'mongodb://h' }, 'all'),
    (error: unknown) =>
      error instanceof ConfigError && error.variable === 'STORE' && /both/.test(error.message),
  );
});

test('REDIS_URL selects BullMQ with a hash-tagged prefix', () => {
  assert.deepEqual(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }, 'api').queue, {
    kind: 'bullmq',
    url: 'redis://127.0.0.1:6379',
    name: 'transactions',
    prefix: '{webhooks}',
  });
});

test('a lone worker on the in-process queue polls the store', () => {
  const worker = loadConfig({}, 'worker').worker;
  assert.equal(worker.receivedStaleMs, 0);
  assert.ok(worker.sweepIntervalMs <= 500);
  assert.equal(loadConfig({ REDIS_URL: 'redis://h' }, 'worker').worker.receivedStaleMs, 30_000);
});

test('empty variables count as unset', () => {
  const config = loadConfig({ REDIS_URL: '', PORT: '', API_KEYS: ' ' }, 'all');
  assert.equal(config.queue.kind, 'in-process');
  assert.equal(config.http.port, 8000);
  assert.deepEqual(config.apiKeys, []);
});

test('comma lists are trimmed', () => {
  const config = loadConfig({ API_KEYS: ' k1 , k2,,', WEBHOOK_SECRETS: 's1,whsec_czI=' }, 'all');
  assert.deepEqual(config.apiKeys, ['k1', 'k2']);
  assert.deepEqual(config.webhookSecrets, ['s1', 'whsec_czI=']);
});

const FORWARD_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const forwarding = { FORWARD_URL: 'https://hooks.example.com/in', FORWARD_SECRET };

test('forwarding is off by default, and on with FORWARD_URL and FORWARD_SECRET', () => {
  assert.equal(loadConfig({}, 'all').forward, null);
  assert.deepEqual(loadConfig(forwarding, 'all').forward, {
    url: 'https://hooks.example.com/in',
    secret: FORWARD_SECRET,
    timeoutMs: 10_000,
    concurrency: 64,
  });
  const tuned = loadConfig(
    { ...forwarding, FORWARD_TIMEOUT_SECONDS: '2.5', FORWARD_CONCURRENCY: '8' },
    'worker',
  );
  assert.equal(tuned.forward?.timeoutMs, 2500);
  assert.equal(tuned.forward?.concurrency, 8);
});

test('a forwarding secret needs a 24 to 64 byte key in padded base64', () => {
  const key = (bytes: number) => `whsec_${Buffer.alloc(bytes, 1).toString('base64')}`;
  assert.ok(loadConfig({ ...forwarding, FORWARD_SECRET: key(24) }, 'all').forward);
  assert.ok(loadConfig({ ...forwarding, FORWARD_SECRET: key(64) }, 'all').forward);
  for (const secret of [
    key(23),
    key(65),
    key(32).replace(/=+$/, ''),
    key(32).slice(6),
    'whsec_not*base64!',
  ]) {
    assert.throws(
      () => loadConfig({ ...forwarding, FORWARD_SECRET: secret }, 'all'),
      (error: unknown) => error instanceof ConfigError && error.variable === 'FORWARD_SECRET',
      secret,
    );
  }
});

const badValues: [Record<string, string>, string][] = [
  [{ PORT: 'eighty' }, 'PORT'],
  [{ PORT: '70000' }, 'PORT'],
  [{ PROCESS_DELAY_SECONDS: '-1' }, 'PROCESS_DELAY_SECONDS'],
  [{ WORKER_CONCURRENCY: '0' }, 'WORKER_CONCURRENCY'],
  [{ WORKER_CONCURRENCY: '2.5' }, 'WORKER_CONCURRENCY'],
  [{ QUEUE_MAX_WAITING: '0' }, 'QUEUE_MAX_WAITING'],
  [{ STORE: 'oracle' }, 'STORE'],
  [{ STORE: 'postgres' }, 'DATABASE_URL'],
  [{ STORE: 'mongo' }, 'MONGO_URL'],
  [{ DATABASE_URL: 'mysql://h/db' }, 'DATABASE_URL'],
  [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
  [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  [{ MAX_ATTEMPTS: '0' }, 'MAX_ATTEMPTS'],
  [{ RETRY_BASE_SECONDS: '10', RETRY_MAX_SECONDS: '1' }, 'RETRY_MAX_SECONDS'],
  [{ FORWARD_URL: 'ftp://hooks.example.com/in', FORWARD_SECRET }, 'FORWARD_URL'],
  [{ FORWARD_URL: 'hooks.example.com/in', FORWARD_SECRET }, 'FORWARD_URL'],
  [{ FORWARD_URL: 'https://hooks.example.com/in' }, 'FORWARD_SECRET'],
  [{ FORWARD_SECRET }, 'FORWARD_SECRET'],
  [{ ...forwarding, FORWARD_SECRET: 'plain-secret' }, 'FORWARD_SECRET'],
  [{ ...forwarding, HANDLER_MODULE: './my-handler.js' }, 'HANDLER_MODULE'],
  [{ ...forwarding, FORWARD_TIMEOUT_SECONDS: '0' }, 'FORWARD_TIMEOUT_SECONDS'],
  [{ ...forwarding, FORWARD_CONCURRENCY: '0' }, 'FORWARD_CONCURRENCY'],
  [{ RECONCILE_INTERVAL_SECONDS: '0' }, 'RECONCILE_INTERVAL_SECONDS'],
  [{ RECONCILE_LOOKBACK_HOURS: '721' }, 'RECONCILE_LOOKBACK_HOURS'],
  [{ RECONCILE_LOOKBACK_HOURS: '0' }, 'RECONCILE_LOOKBACK_HOURS'],
  [{ STRIPE_API_BASE: 'api.stripe.com' }, 'STRIPE_API_BASE'],
  [{ RAZORPAY_API_BASE: 'ftp://api.razorpay.com' }, 'RAZORPAY_API_BASE'],
  [{ RAZORPAY_KEY_ID: 'rzp_live_x' }, 'RAZORPAY_KEY_SECRET'],
  [{ RAZORPAY_KEY_SECRET: 'secret' }, 'RAZORPAY_KEY_ID'],
];

for (const [env, variable] of badValues) {
  test(`a bad ${variable} (${JSON.stringify(env)}) stops the start with one line naming it`, () => {
    assert.throws(
      () => loadConfig(env, 'all'),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.variable === variable &&
        error.message.includes(variable) &&
        !error.message.includes('\n'),
    );
  });
}

test('secret values are never repeated in a configuration error', () => {
  assert.throws(
    () => loadConfig({ REDIS_URL: 'redis-with-password-hunter2' }, 'all'),
    (error: unknown) => error instanceof ConfigError && !error.message.includes('hunter2'),
  );
  assert.throws(
    () => loadConfig({ FORWARD_URL: 'ftp://user:hunter2@hooks.example.com', FORWARD_SECRET }, 'all'),
    (error: unknown) => error instanceof ConfigError && !error.message.includes('hunter2'),
  );
  assert.throws(
    () => loadConfig({ ...forwarding, FORWARD_SECRET: 'whsec_hunter2' }, 'all'),
    (error: unknown) => error instanceof ConfigError && !error.message.includes('hunter2'),
  );
  assert.throws(
    () => loadConfig({ PORT: 'abc' }, 'all'),
    (error: unknown) => error instanceof ConfigError && error.message.includes('"abc"'),
  );
});

test('a provider endpoint is enabled by its secrets; Stripe has a 300-second tolerance by default', () => {
  const none = loadConfig({}, 'all');
  const allDisabled = Object.fromEntries(providerNames(PROVIDER_REGISTRY).map((name) => [name, null]));
  assert.deepEqual(none.providers, allDisabled);
  const both = loadConfig(
    {
      RAZORPAY_WEBHOOK_SECRETS: ' rzp_new , rzp_old ',
      STRIPE_WEBHOOK_SECRETS: 'whsec_abc',
      STRIPE_WEBHOOK_TOLERANCE_SECONDS: '120',
    },
    'all',
  );
  assert.deepEqual(both.providers, {
    ...allDisabled,
    razorpay: { secrets: ['rzp_new', 'rzp_old'] },
    stripe: { secrets: ['whsec_abc'], toleranceSeconds: 120 },
  });
  assert.equal(
    loadConfig({ STRIPE_WEBHOOK_SECRETS: 'whsec_x' }, 'all').providers.stripe?.toleranceSeconds,
    300,
  );
  assert.deepEqual(loadConfig({ RAZORPAY_WEBHOOK_SECRETS: ' , ' }, 'all').providers.razorpay, null);
  assert.throws(
    () => loadConfig({ STRIPE_WEBHOOK_SECRETS: 'whsec_x', STRIPE_WEBHOOK_TOLERANCE_SECONDS: '0' }, 'all'),
    (error: unknown) => error instanceof ConfigError && error.variable === 'STRIPE_WEBHOOK_TOLERANCE_SECONDS',
  );
  assert.throws(
    () => loadConfig({ RAZORPAY_WEBHOOK_SECRETS: 'hunter2', PORT: 'x' }, 'all'),
    (error: unknown) => error instanceof ConfigError && !error.message.includes('hunter2'),
  );
});

test('reconciliation is off without API credentials; with them it runs every 600 s over 72 hours by default', () => {
  const none = loadConfig({}, 'worker').reconcile;
  assert.deepEqual(none, { intervalMs: 600_000, lookbackMs: 72 * 3_600_000, stripe: null, razorpay: null });
  const both = loadConfig(
    {
      STRIPE_API_KEY: ' rk_live_abc ',
      RAZORPAY_KEY_ID: 'rzp_live_id',
      RAZORPAY_KEY_SECRET: 'rzp_secret',
      RECONCILE_INTERVAL_SECONDS: '300',
      RECONCILE_LOOKBACK_HOURS: '720',
      STRIPE_API_BASE: 'http://stripe-proxy.internal:8080/stripe',
    },
    'worker',
  ).reconcile;
  assert.deepEqual(both, {
    intervalMs: 300_000,
    lookbackMs: 720 * 3_600_000,
    stripe: { apiKey: 'rk_live_abc', apiBase: 'http://stripe-proxy.internal:8080/stripe' },
    razorpay: { keyId: 'rzp_live_id', keySecret: 'rzp_secret', apiBase: 'https://api.razorpay.com' },
  });
  assert.equal(
    loadConfig({ STRIPE_API_KEY: 'k' }, 'all').reconcile.stripe?.apiBase,
    'https://api.stripe.com',
  );
  for (const env of [
    { STRIPE_API_BASE: 'ftp://hunter2@x', STRIPE_API_KEY: 'hunter2' },
    { RAZORPAY_KEY_ID: 'hunter2', PORT: 'x' },
    { RAZORPAY_KEY_SECRET: 'hunter2' },
  ]) {
    assert.throws(
      () => loadConfig(env, 'all'),
      (error: unknown) => error instanceof ConfigError && !error.message.includes('hunter2'),
    );
  }
});

test('retention keeps finished transactions 90 days by default, their payloads as long, and runs every minute', () => {
  const { retention } = loadConfig({}, 'worker');
  assert.deepEqual(retention, { recordMs: 90 * 86_400_000, payloadMs: 90 * 86_400_000, intervalMs: 60_000 });
  const short = loadConfig(
    { RETENTION_DAYS: '0.0003', PAYLOAD_RETENTION_DAYS: '0.0001', RETENTION_INTERVAL_SECONDS: '1' },
    'all',
  ).retention;
  assert.deepEqual(short, { recordMs: 25_920, payloadMs: 8_640, intervalMs: 1000 });
  // 0 keeps: records for ever (and payloads with them, unless told otherwise); payloads with their record.
  assert.deepEqual(loadConfig({ RETENTION_DAYS: '0' }, 'all').retention, {
    recordMs: null,
    payloadMs: null,
    intervalMs: 60_000,
  });
  assert.equal(
    loadConfig({ RETENTION_DAYS: '0', PAYLOAD_RETENTION_DAYS: '30' }, 'all').retention.payloadMs,
    30 * 86_400_000,
  );
  assert.equal(loadConfig({ PAYLOAD_RETENTION_DAYS: '0' }, 'all').retention.payloadMs, null);
});

test('a retention that is not a number of days, or negative, stops the start naming the variable', () => {
  for (const [variable, value] of [
    ['RETENTION_DAYS', '-1'],
    ['RETENTION_DAYS', 'ninety'],
    ['PAYLOAD_RETENTION_DAYS', '-0.5'],
    ['RETENTION_DAYS', '1e9'],
    ['RETENTION_INTERVAL_SECONDS', '0'],
  ] as const) {
    assert.throws(
      () => loadConfig({ [variable]: value }, 'all'),
      (error: unknown) => error instanceof ConfigError && error.variable === variable,
      `${variable}=${value}`,
    );
  }
});

test('METRICS_PORT: unset opens no port; a port number, else the start stops naming it', () => {
  assert.equal(loadConfig({}, 'worker').metricsPort, null);
  assert.equal(loadConfig({ METRICS_PORT: '' }, 'worker').metricsPort, null);
  assert.equal(loadConfig({ METRICS_PORT: '9464' }, 'worker').metricsPort, 9464);
  assert.equal(loadConfig({ METRICS_PORT: '0' }, 'worker').metricsPort, 0);
  for (const bad of ['http', '70000', '-1', '94.5']) {
    assert.throws(
      () => loadConfig({ METRICS_PORT: bad }, 'worker'),
      (error: unknown) =>
        error instanceof ConfigError && error.variable === 'METRICS_PORT' && !error.message.includes('\n'),
      bad,
    );
  }
});

test('the attempts history is on unless the bench turns it off', () => {
  assert.equal(loadConfig({}, 'all').attemptHistory, true);
  assert.equal(loadConfig({ ATTEMPT_HISTORY: 'off' }, 'all').attemptHistory, false);
  assert.throws(() => loadConfig({ ATTEMPT_HISTORY: 'no' }, 'all'), /ATTEMPT_HISTORY must be on or off/);
});
