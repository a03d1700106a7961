import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startRazorpayStandIn, startStripeStandIn } from '../helpers/provider-api-stand-ins.js';
import {
  razorpayPayment,
  razorpayPaymentId,
  STRIPE_PAYMENT_FIXTURES,
  stripeFixtureEvent,
} from '../helpers/reconcile-fixtures.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

const STRIPE_API_KEY = 'rk_test_metricsKey';
const RAZORPAY = { RAZORPAY_KEY_ID: 'rzp_test_metrics', RAZORPAY_KEY_SECRET: 'metrics_secret' };

/** The value of one sample line (`name{labels} value`) in Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

const scrape = async (url: string) => (await fetch(`${url}/metrics`)).text();

/** The metric names the reconciliation alerts use, from the rules file's own group. */
function alertMetrics(): string[] {
  const rules = readFileSync(new URL('../../../deploy/prometheus/alerts.yml', import.meta.url), 'utf8');
  const group = rules.slice(rules.indexOf('- name: webhooks-reconciliation'));
  const end = group.indexOf('\n  - name:', 1);
  const exprs = (end < 0 ? group : group.slice(0, end)).match(/expr: .*/g) ?? [];
  return [...new Set(exprs.flatMap((e) => e.match(/webhooks_[a-z_]+/g) ?? []))];
}

test('/metrics: events recovered, runs by outcome, mismatches, the last success and consecutive failures, per provider', async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const events = Array.from({ length: 12 }, (_, i) =>
    stripeFixtureEvent(STRIPE_PAYMENT_FIXTURES[i % STRIPE_PAYMENT_FIXTURES.length]!, {
      created: now - 600 + i,
    }),
  );
  const stripe = await startStripeStandIn(
    t,
    STRIPE_API_KEY,
    events.map((e) => e.event),
  );
  const razorpay = await startRazorpayStandIn(t, RAZORPAY.RAZORPAY_KEY_ID, RAZORPAY.RAZORPAY_KEY_SECRET, [
    razorpayPayment({ id: razorpayPaymentId(), status: 'captured', amount: 100, createdAt: now - 60 }),
    razorpayPayment({ id: razorpayPaymentId(), status: 'failed', amount: 200, createdAt: now - 30 }),
  ]);
  const rt = await startTestRuntime(t, {
    STRIPE_API_KEY,
    STRIPE_API_BASE: stripe.url,
    ...RAZORPAY,
    RAZORPAY_API_BASE: razorpay.url,
    RECONCILE_INTERVAL_SECONDS: '3600',
  });
  await waitFor(async () => (await rt.store.reconcileStatuses()).filter((s) => s.lastRun).length === 2, {
    message: 'both runs',
  });
  const text = await scrape(rt.url);
  assert.equal(sample(text, 'webhooks_reconcile_recovered_total{provider="stripe"}'), 12);
  assert.equal(sample(text, 'webhooks_reconcile_runs_total{provider="stripe",outcome="completed"}'), 1);
  assert.equal(sample(text, 'webhooks_reconcile_runs_total{provider="razorpay",outcome="completed"}'), 1);
  assert.equal(sample(text, 'webhooks_reconcile_mismatches{provider="razorpay"}'), 2);
  assert.equal(sample(text, 'webhooks_reconcile_mismatches{provider="stripe"}'), 0);
  assert.equal(sample(text, 'webhooks_reconcile_consecutive_failures{provider="razorpay"}'), 0);
  const [razorpayStatus, stripeStatus] = await rt.store.reconcileStatuses();
  assert.equal(
    sample(text, 'webhooks_reconcile_last_success_timestamp_seconds{provider="stripe"}'),
    stripeStatus!.lastSuccessAt!.getTime() / 1000,
  );

  razorpay.intercept = () => ({ status: 500, body: { error: { code: 'SERVER_ERROR', description: 'x' } } });
  await rt.reconciler!.runNow({ provider: 'razorpay' });
  await rt.reconciler!.runNow({ provider: 'razorpay' });
  const failing = await scrape(rt.url);
  assert.equal(sample(failing, 'webhooks_reconcile_consecutive_failures{provider="razorpay"}'), 2);
  assert.equal(sample(failing, 'webhooks_reconcile_runs_total{provider="razorpay",outcome="failed"}'), 2);
  assert.equal(
    sample(failing, 'webhooks_reconcile_mismatches{provider="razorpay"}'),
    2,
    "the last complete run's count stays while runs fail",
  );
  assert.equal(
    sample(failing, 'webhooks_reconcile_last_success_timestamp_seconds{provider="razorpay"}'),
    razorpayStatus!.lastSuccessAt!.getTime() / 1000,
  );

  // Every metric the alerts use is served.
  const used = alertMetrics();
  assert.deepEqual(used.sort(), ['webhooks_reconcile_consecutive_failures', 'webhooks_reconcile_mismatches']);
  for (const name of used) assert.match(failing, new RegExp(`^# TYPE ${name} gauge$`, 'm'), name);
});

test('/metrics: a provider whose runs never completed reports its last success as 0', async (t) => {
  const stripe = await startStripeStandIn(t, 'rk_test_other', []);
  const rt = await startTestRuntime(t, {
    STRIPE_API_KEY,
    STRIPE_API_BASE: stripe.url,
    RECONCILE_INTERVAL_SECONDS: '3600',
  });
  await waitFor(async () => (await rt.store.reconcileStatuses())[0]?.lastRun, { message: 'the run' });
  const text = await scrape(rt.url);
  assert.equal(sample(text, 'webhooks_reconcile_last_success_timestamp_seconds{provider="stripe"}'), 0);
  assert.equal(sample(text, 'webhooks_reconcile_consecutive_failures{provider="stripe"}'), 1);
  assert.equal(sample(text, 'webhooks_reconcile_runs_total{provider="stripe",outcome="failed"}'), 1);
});
