import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { jsonLines, runCli } from '../helpers/operator-cli.js';
import { startRazorpayStandIn, startStripeStandIn } from '../helpers/provider-api-stand-ins.js';
import {
  razorpayPayment,
  razorpayPaymentId,
  STRIPE_PAYMENT_FIXTURES,
  stripeFixtureEvent,
} from '../helpers/reconcile-fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';

const STRIPE_API_KEY = 'rk_test_cliReconcileKey0000000000000';
const RAZORPAY_KEY_ID = 'rzp_test_cliKeyId';
const RAZORPAY_KEY_SECRET = 'cliKeySecretNeverPrinted';

/** Runs `main.js cli reconcile …` as an operator would. */
const cli = (env: Record<string, string>, ...args: string[]) =>
  runCli({ LOG_LEVEL: 'info', ...env }, ['reconcile', ...args]);

const lines = (stdout: string) => jsonLines(stdout);

test('cli reconcile: runs a pass now for each configured provider, or one, from --since, and prints the runs', async (t) => {
  const path = join(tempDir(t), 'webhooks.db');
  const now = Math.floor(Date.now() / 1000);
  const events = Array.from({ length: 120 }, (_, i) =>
    stripeFixtureEvent(STRIPE_PAYMENT_FIXTURES[i % STRIPE_PAYMENT_FIXTURES.length]!, {
      created: now - 40 * 3600 + i * 600,
    }),
  );
  const stripe = await startStripeStandIn(
    t,
    STRIPE_API_KEY,
    events.map((e) => e.event),
  );
  const razorpay = await startRazorpayStandIn(t, RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET, [
    razorpayPayment({ id: razorpayPaymentId(), status: 'captured', amount: 4200, createdAt: now - 60 }),
  ]);
  const env = {
    SQLITE_PATH: path,
    STRIPE_API_KEY,
    STRIPE_API_BASE: stripe.url,
    RAZORPAY_KEY_ID,
    RAZORPAY_KEY_SECRET,
    RAZORPAY_API_BASE: razorpay.url,
  };

  // --since 24h: only the events of the last day (the last 24 hours of the 40 listed).
  const before = Math.floor(Date.now() / 1000);
  const since = await cli(env, '--provider', 'stripe', '--since', '24h');
  const after = Math.ceil(Date.now() / 1000);
  assert.equal(since.code, 0, since.stderr);
  const [sinceRun] = lines(since.stdout);
  assert.equal(sinceRun?.provider, 'stripe');
  assert.equal(sinceRun?.error, null);
  const dayAgo = now - 24 * 3600;
  const lastDay = events.filter((e) => (e.event.created as number) >= dayAgo).length;
  assert.ok(Math.abs((sinceRun?.recovered as number) - lastDay) <= 1, `${sinceRun?.recovered} vs ${lastDay}`);
  // 24 hours before the command's own clock, which read it between these two instants.
  const gte = Number(stripe.requests[0]?.query.get('created[gte]'));
  assert.ok(gte >= before - 24 * 3600 && gte <= after - 24 * 3600, `${gte}`);

  const both = await cli(env);
  assert.equal(both.code, 0, both.stderr);
  const runs = lines(both.stdout);
  assert.deepEqual(
    runs.map((r) => r.provider),
    ['stripe', 'razorpay'],
  );
  assert.deepEqual(
    runs.map((r) => [r.checked, r.recovered, r.mismatches, r.error]),
    [
      [120, 120 - (sinceRun?.recovered as number), 0, null],
      [1, 0, 1, null],
    ],
  );
  const store = new SqliteStore({ path, synchronous: 'NORMAL' });
  await store.ready();
  t.after(() => store.close());
  assert.equal((await store.stats(new Date())).byStatus.RECEIVED, 120);
  assert.equal((await store.list({ filter: { receivedVia: 'reconciliation' }, limit: 500 })).length, 120);

  // A provider that fails: exit 1, its error printed, nothing secret.
  razorpay.intercept = () => ({ status: 502, body: '<html>Bad gateway</html>' });
  const failed = await cli(env, '--provider', 'razorpay');
  assert.equal(failed.code, 1);
  assert.equal(lines(failed.stdout)[0]?.error, 'Razorpay answered HTTP 502 to GET /v1/payments');
  for (const out of [since, both, failed]) {
    for (const secret of [STRIPE_API_KEY, RAZORPAY_KEY_SECRET, RAZORPAY_KEY_ID]) {
      assert.ok(!`${out.stdout}${out.stderr}`.includes(secret));
    }
  }
});

test('cli reconcile: usage errors exit 2; a provider that is not configured exits 1 naming what to set', async (t) => {
  const env = { SQLITE_PATH: join(tempDir(t), 'webhooks.db') };
  for (const args of [['--provider', 'paypal'], ['--since', 'yesterday'], ['stray']]) {
    const res = await cli({ ...env, STRIPE_API_KEY }, ...args);
    assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
    assert.match(res.stderr, /Usage: cli/);
  }
  const none = await cli(env);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /set STRIPE_API_KEY, or RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET/);
  const razorpay = await cli({ ...env, STRIPE_API_KEY }, '--provider', 'razorpay');
  assert.equal(razorpay.code, 1);
  assert.match(razorpay.stderr, /set RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET/);
  const half = await cli({ ...env, RAZORPAY_KEY_ID });
  assert.equal(half.code, 1);
  assert.equal(
    half.stderr.trim(),
    'Invalid configuration: RAZORPAY_KEY_SECRET must be set when RAZORPAY_KEY_ID is set',
  );
});
