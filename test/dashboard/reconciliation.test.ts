import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator } from 'playwright-core';
import { screenshot, textOf, useDashboardBrowser } from '../helpers/dashboard-browser.js';
import { startRazorpayStandIn, startStripeStandIn } from '../helpers/provider-api-stand-ins.js';
import {
  razorpayPayment,
  razorpayPaymentId,
  STRIPE_PAYMENT_FIXTURES,
  stripeFixtureEvent,
} from '../helpers/reconcile-fixtures.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

const dashboard = useDashboardBrowser();
const skip = dashboard.skip;
const KEY = 'k_dash_reconcile_51d2';
const STRIPE_API_KEY = 'rk_test_dashboardReconcile';
const RAZORPAY = { RAZORPAY_KEY_ID: 'rzp_test_dashboard', RAZORPAY_KEY_SECRET: 'dashboard_secret' };

/** The text of each cell of a row, trimmed. */
const cells = async (row: Locator) => (await row.locator('th, td').allTextContents()).map((c) => c.trim());

test('dashboard: the latest reconciliation run per provider, what it recovered, and the payments in another state', {
  skip,
}, async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const events = Array.from({ length: 12 }, (_, i) =>
    stripeFixtureEvent(STRIPE_PAYMENT_FIXTURES[i % STRIPE_PAYMENT_FIXTURES.length]!, {
      created: now - 3600 + i,
    }),
  );
  const payments = [2500, 990_000, 47_000].map((amount, i) =>
    razorpayPayment({ id: razorpayPaymentId(), status: 'captured', amount, createdAt: now - 600 * (i + 1) }),
  );
  const stripe = await startStripeStandIn(
    t,
    STRIPE_API_KEY,
    events.map((e) => e.event),
  );
  const razorpay = await startRazorpayStandIn(
    t,
    RAZORPAY.RAZORPAY_KEY_ID,
    RAZORPAY.RAZORPAY_KEY_SECRET,
    payments,
  );
  const rt = await startTestRuntime(
    t,
    {
      API_KEYS: KEY,
      STRIPE_API_KEY,
      STRIPE_API_BASE: stripe.url,
      ...RAZORPAY,
      RAZORPAY_API_BASE: razorpay.url,
      RECONCILE_INTERVAL_SECONDS: '3600',
    },
    { handler: async () => undefined },
  );
  await waitFor(async () => (await rt.store.reconcileStatuses()).filter((s) => s.lastRun).length === 2, {
    message: 'both runs recorded',
  });

  const { page, problems } = await dashboard.openPage();
  const response = await page.goto(`${rt.url}/dashboard/`);
  assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self';/);
  await page.getByLabel('API key').fill(KEY);
  await page.getByLabel('API key').press('Enter');

  const runs = page.locator('#reconcile-runs tbody tr');
  await waitFor(async () => (await runs.count()) === 2, { message: 'two runs shown' });
  assert.ok(await page.locator('#reconciliation-empty').isHidden());
  // Provider, finished, outcome, checked, recovered, mismatches, error.
  const without = (row: string[]) => [row[0], ...row.slice(2)];
  assert.deepEqual(without(await cells(runs.filter({ hasText: 'Stripe' }))), [
    'Stripe',
    'completed',
    '12',
    '12',
    '0',
    '',
  ]);
  assert.deepEqual(without(await cells(runs.filter({ hasText: 'Razorpay' }))), [
    'Razorpay',
    'completed',
    '3',
    '0',
    '3',
    '',
  ]);
  const mismatches = page.locator('#mismatches tbody tr');
  assert.equal(await mismatches.count(), 3);
  assert.match(await textOf(page.locator('#mismatches caption')), /^3 payments whose state/);
  const largest = await cells(mismatches.first());
  assert.deepEqual(largest.slice(0, 5), [
    'Razorpay',
    payments[1]!.id,
    'captured',
    'no event received',
    '990,000 INR',
  ]);
  assert.equal((await cells(mismatches.nth(2)))[4], '2,500 INR');
  await screenshot(page, 'reconcile-01-panel');

  // The recovered events, through the list's filter.
  await page.getByLabel('Received via').selectOption('reconciliation');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  const rows = page.locator('#transactions tbody tr');
  await waitFor(async () => (await rows.count()) === 12, { message: 'twelve recovered rows' });
  for (let i = 0; i < 12; i++) assert.equal((await cells(rows.nth(i)))[4], 'reconciliation');
  await screenshot(page, 'reconcile-02-recovered');

  // A mismatched payment opens the list of its events: none was received.
  await page.getByRole('button', { name: payments[1]!.id as string }).click();
  await page.getByText('None match').waitFor();
  assert.match(
    await textOf(page.locator('#transactions-caption')),
    new RegExp(`payment id ${payments[1]!.id}`),
  );

  // A run that fails shows its error at the next refresh.
  razorpay.intercept = () => ({
    status: 503,
    body: { error: { code: 'SERVER_ERROR', description: 'The server is temporarily unavailable' } },
  });
  await rt.reconciler!.runNow({ provider: 'razorpay' });
  await waitFor(
    async () => {
      const row = await cells(runs.filter({ hasText: 'Razorpay' }));
      return (
        row[2] === 'failed' &&
        row[6] ===
          'Razorpay answered HTTP 503 to GET /v1/payments: SERVER_ERROR: The server is temporarily unavailable'
      );
    },
    { message: 'the failed run shown' },
  );
  assert.equal(await mismatches.count(), 3, "the last complete run's mismatches stay listed");
  await screenshot(page, 'reconcile-03-failed');
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('dashboard: with no reconciliation configured the panel says how to turn it on', { skip }, async (t) => {
  const rt = await startTestRuntime(t, { PROCESS_DELAY_SECONDS: '0' });
  const page = await dashboard.browser().newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${rt.url}/dashboard/`);
  await page.locator('#status-counts li').first().waitFor();
  assert.match(await textOf(page.locator('#reconciliation-empty')), /STRIPE_API_KEY/);
  assert.ok(await page.locator('#reconcile-runs').isHidden());
  assert.ok(await page.locator('#mismatches').isHidden());
  assert.deepEqual(problems, []);
  await page.close();
});
