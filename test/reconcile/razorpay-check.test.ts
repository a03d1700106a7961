import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type TestContext, test } from 'node:test';
import type { TransactionStore } from '../../src/store/transaction-store.js';
import { gate } from '../helpers/gate.js';
import { request } from '../helpers/http-client.js';
import { startRazorpayStandIn, startStripeStandIn } from '../helpers/provider-api-stand-ins.js';
import { razorpayPayment, razorpayPaymentId, razorpayWebhookFor } from '../helpers/reconcile-fixtures.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  API_KEY,
  AUTH,
  postRazorpay,
  RAZORPAY_KEY_ID,
  RAZORPAY_KEY_SECRET,
  RAZORPAY_WEBHOOK_SECRET,
  STRIPE_API_KEY,
} from './reconcile-helpers.js';

const eventId = () => `evt_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`;

interface Mismatch {
  provider: string;
  payment_id: string;
  provider_status: string | null;
  derived_status: string | null;
  amount: number;
  currency: string | null;
  created_at: string;
}
interface Reconciliation {
  runs: { provider: string; checked: number; recovered: number; mismatches: number; error: string | null }[];
  mismatches: Mismatch[];
}

async function startService(t: TestContext, apiBase: string, env: Record<string, string> = {}) {
  return startTestRuntime(
    t,
    {
      RAZORPAY_WEBHOOK_SECRETS: RAZORPAY_WEBHOOK_SECRET,
      RAZORPAY_KEY_ID,
      RAZORPAY_KEY_SECRET,
      RAZORPAY_API_BASE: apiBase,
      API_KEYS: API_KEY,
      RECONCILE_INTERVAL_SECONDS: '3600',
      ...env,
    },
    { handler: async () => undefined },
  );
}

const razorpayStatus = async (store: TransactionStore) =>
  (await store.reconcileStatuses()).find((s) => s.provider === 'razorpay');

const reconciliation = async (url: string) => {
  const res = await request(url, 'GET', '/v1/reconciliation', { headers: AUTH });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as Reconciliation;
};

test('razorpay check: of 30 payments, the 20 whose state the service got wrong are listed, with both states right', async (t) => {
  const now = Math.floor(Date.now() / 1000);
  let n = 0;
  const payment = (status: string, fields: { refunded?: boolean } = {}) => {
    n++;
    const amount = 1000 * n;
    return razorpayPayment({
      id: razorpayPaymentId(),
      status,
      amount,
      createdAt: now - 3600 * n,
      ...(fields.refunded ? { amountRefunded: amount, refundStatus: 'full' as const } : {}),
    });
  };
  const capturedSeen = Array.from({ length: 10 }, () => payment('captured'));
  const capturedMissed = Array.from({ length: 10 }, () => payment('captured'));
  const failedSeenAuthorized = Array.from({ length: 5 }, () => payment('failed'));
  const refundedSeenCaptured = Array.from({ length: 5 }, () => payment('refunded', { refunded: true }));
  const payments = [...capturedSeen, ...capturedMissed, ...failedSeenAuthorized, ...refundedSeenCaptured];

  const standIn = await startRazorpayStandIn(t, RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET, payments);
  const webhooksIn = gate();
  standIn.intercept = async () => {
    await webhooksIn.opened;
    return undefined;
  };
  const rt = await startService(t, standIn.url);
  // The webhooks the service did get: Razorpay's own samples, about these payments.
  const deliveries = [
    ...capturedSeen.map((p) => razorpayWebhookFor('payment.captured.card', p.id as string)),
    ...failedSeenAuthorized.map((p) => razorpayWebhookFor('payment.authorized.card', p.id as string)),
    ...refundedSeenCaptured.map((p) => razorpayWebhookFor('payment.captured.card', p.id as string)),
  ];
  for (const body of deliveries) {
    const res = await postRazorpay(rt.url, body, eventId());
    assert.equal(res.status, 202, JSON.stringify(res.body));
  }
  webhooksIn.open();
  await waitFor(async () => (await razorpayStatus(rt.store))?.lastRun, { message: 'the run recorded' });

  const view = await reconciliation(rt.url);
  assert.deepEqual(view.runs, [
    {
      provider: 'razorpay',
      started_at: (view.runs[0] as unknown as { started_at: string }).started_at,
      finished_at: (view.runs[0] as unknown as { finished_at: string }).finished_at,
      checked: 30,
      recovered: 0,
      mismatches: 20,
      error: null,
    },
  ]);
  const expected = [
    ...capturedMissed.map((p) => [p.id, 'captured', null]),
    ...failedSeenAuthorized.map((p) => [p.id, 'failed', 'authorized']),
    ...refundedSeenCaptured.map((p) => [p.id, 'refunded', 'captured']),
  ];
  assert.equal(view.mismatches.length, 20);
  assert.deepEqual(
    view.mismatches.map((m) => [m.payment_id, m.provider_status, m.derived_status]).sort(),
    expected.sort(),
  );
  // Largest amount first, each with the payment's own amount, currency and creation time.
  const amounts = view.mismatches.map((m) => m.amount);
  assert.deepEqual(
    amounts,
    [...amounts].sort((a, b) => b - a),
  );
  const byId = new Map(payments.map((p) => [p.id as string, p]));
  for (const m of view.mismatches) {
    const p = byId.get(m.payment_id)!;
    assert.equal(m.provider, 'razorpay');
    assert.equal(m.amount, p.amount);
    assert.equal(m.currency, 'INR');
    assert.equal(m.created_at, new Date((p.created_at as number) * 1000).toISOString());
  }
  // Listed as documented: the lookback's window, 100 at a time from the start.
  const [listed] = standIn.requests;
  const startedAt = (await razorpayStatus(rt.store))!.lastRun!.startedAt.getTime();
  assert.deepEqual(Object.fromEntries(listed!.query), {
    from: String(Math.floor((startedAt - 72 * 3_600_000) / 1000)),
    to: String(Math.floor(startedAt / 1000)),
    count: '100',
    skip: '0',
  });
  // It changes nothing.
  const counts = await rt.store.countByStatus();
  assert.equal(
    Object.values(counts).reduce((a, b) => a + b, 0),
    deliveries.length,
  );

  // Once the missing webhooks arrive, the next run finds those payments right and replaces the list.
  for (const p of capturedMissed) {
    await postRazorpay(rt.url, razorpayWebhookFor('payment.captured.card', p.id as string), eventId());
  }
  const [next] = await rt.reconciler!.runNow();
  assert.ok(next && 'run' in next);
  assert.equal(next.run.mismatches, 10);
  const after = await reconciliation(rt.url);
  assert.deepEqual(
    after.mismatches.map((m) => m.payment_id).sort(),
    [...failedSeenAuthorized, ...refundedSeenCaptured].map((p) => p.id).sort(),
  );
});

test('razorpay check: pages with skip across more than one page, and a partial refund reads partially_refunded', async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const payments = Array.from({ length: 230 }, (_, i) =>
    razorpayPayment({
      id: razorpayPaymentId(),
      status: 'captured',
      amount: 500 + i,
      createdAt: now - 60 * i,
      ...(i === 7 ? { amountRefunded: 100, refundStatus: 'partial' as const } : {}),
    }),
  );
  // An older payment, outside the lookback, is not listed.
  const outside = razorpayPayment({
    id: razorpayPaymentId(),
    status: 'captured',
    amount: 9,
    createdAt: now - 80 * 3600,
  });
  const standIn = await startRazorpayStandIn(t, RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET, [...payments, outside]);
  const rt = await startService(t, standIn.url);
  const run = await waitFor(async () => (await razorpayStatus(rt.store))?.lastRun, { message: 'the run' });
  assert.equal(run.checked, 230);
  assert.equal(run.mismatches, 230);
  assert.deepEqual(
    standIn.requests.map((r) => r.query.get('skip')),
    ['0', '100', '200'],
  );
  const view = await reconciliation(rt.url);
  const partial = view.mismatches.find((m) => m.payment_id === payments[7]!.id);
  assert.deepEqual([partial?.provider_status, partial?.derived_status], ['partially_refunded', null]);
  assert.ok(!view.mismatches.some((m) => m.payment_id === outside.id));
});

test("each provider's run succeeds or fails on its own: Razorpay answering 503 does not stop Stripe's", async (t) => {
  const stripe = await startStripeStandIn(t, STRIPE_API_KEY, []);
  const razorpay = await startRazorpayStandIn(t, RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET, []);
  razorpay.intercept = () => ({
    status: 503,
    body: { error: { code: 'SERVER_ERROR', description: 'The server is temporarily unavailable' } },
  });
  const rt = await startService(t, razorpay.url, { STRIPE_API_KEY, STRIPE_API_BASE: stripe.url });
  const statuses = await waitFor(
    async () => {
      const all = await rt.store.reconcileStatuses();
      return all.filter((s) => s.lastRun).length === 2 ? all : null;
    },
    { message: 'both runs recorded' },
  );
  const [razorpayRun, stripeRun] = statuses.map((s) => s.lastRun!);
  assert.equal(stripeRun?.error, null);
  assert.equal(
    razorpayRun?.error,
    'Razorpay answered HTTP 503 to GET /v1/payments: SERVER_ERROR: The server is temporarily unavailable',
  );
  const view = await reconciliation(rt.url);
  assert.deepEqual(
    view.runs.map((r) => [r.provider, r.error === null]),
    [
      ['razorpay', false],
      ['stripe', true],
    ],
  );
});
