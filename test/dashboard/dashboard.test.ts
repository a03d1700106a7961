import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { screenshot, textOf, useDashboardBrowser } from '../helpers/dashboard-browser.js';
import { FAIL_MARKER, stopFailing } from '../helpers/failing-handler.js';
import { postWebhook } from '../helpers/http-client.js';
import { newTransaction, uniqueId, webhookBody } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

const dashboard = useDashboardBrowser();
const skip = dashboard.skip;
const KEY = 'k_dash_7c2e91f04ab3';
const FAILING_HANDLER = fileURLToPath(new URL('../helpers/failing-handler.js', import.meta.url));

const openPage = () => dashboard.openPage(900);

/** The count the page shows for `status`. */
const shownCount = (page: Page, status: string) =>
  textOf(page.locator('#status-counts li', { hasText: status }).locator('.n'));

test('dashboard: enter the key, filter FAILED, open a detail, retry it and every other FAILED match', {
  skip,
}, async (t) => {
  const rt = await startTestRuntime(t, {
    API_KEYS: KEY,
    MAX_ATTEMPTS: '1',
    HANDLER_MODULE: FAILING_HANDLER,
    // The provider events below are written to the store directly: the sweep dispatches them.
    SWEEP_INTERVAL_SECONDS: '0.2',
    RECEIVED_STALE_SECONDS: '0',
  });
  // A realistic mix: original-contract webhooks, provider events stored as their adapters store them,
  // and five that fail for good.
  for (let i = 0; i < 20; i++) {
    const id = uniqueId(i % 4 === 1 ? `txn${FAIL_MARKER}` : 'txn');
    assert.equal((await postWebhook(rt.url, webhookBody({ transaction_id: id }))).status, 202);
  }
  await rt.store.insertMany([
    newTransaction({
      provider: 'razorpay',
      eventType: 'payment.captured',
      paymentId: 'pay_Nk2x8',
      amount: 50000,
    }),
    newTransaction({
      provider: 'stripe',
      eventType: 'payment_intent.succeeded',
      paymentId: 'pi_3Qa9',
      amount: 2000,
    }),
  ]);
  await waitFor(
    async () => {
      const counts = await rt.store.countByStatus();
      return counts.FAILED === 5 && counts.PROCESSED === 17;
    },
    { message: '17 PROCESSED and 5 FAILED' },
  );
  const [newestFailed] = await rt.store.list({ filter: { status: 'FAILED' }, limit: 1 });
  assert.ok(newestFailed);

  const { page, problems } = await openPage();
  const response = await page.goto(`${rt.url}/dashboard`);
  assert.equal(response?.status(), 200);
  const csp = response?.headers()['content-security-policy'] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);

  // The key first: a password field, focused, submitted with Enter.
  const keyField = page.getByLabel('API key');
  await keyField.waitFor();
  assert.equal(await keyField.getAttribute('type'), 'password');
  assert.equal(await page.evaluate('document.activeElement?.id'), 'api-key');
  await screenshot(page, '01-api-key');
  await keyField.fill(KEY);
  await keyField.press('Enter');
  await page.locator('#status-counts').getByText('FAILED').waitFor();
  await waitFor(async () => (await shownCount(page, 'FAILED')) === '5', {
    message: 'the FAILED count on the page',
  });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('webhook-gateway-api-key')), KEY);
  assert.deepEqual(await page.context().cookies(), [], 'no cookies');
  await screenshot(page, '02-overview');

  // Filter FAILED.
  await page.getByLabel('Status').selectOption('FAILED');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  const rows = page.locator('#transactions tbody tr');
  await waitFor(async () => (await rows.count()) === 5 && (await textOf(rows.first())).includes('FAILED'), {
    message: 'five FAILED rows',
  });
  assert.match(await textOf(rows.first()), new RegExp(newestFailed.transactionId));
  const table = await textOf(page.locator('#transactions tbody'));
  assert.doesNotMatch(table, /PROCESSED|RECEIVED/);
  assert.match(table, /503 Service Unavailable/, 'the last error is in the list');
  await screenshot(page, '03-failed');

  // Open the newest failed transaction.
  await page.getByRole('button', { name: newestFailed.transactionId }).click();
  const detail = page.locator('#detail');
  await detail.waitFor();
  assert.equal(await page.evaluate('document.activeElement?.id'), 'detail-heading');
  assert.equal(await textOf(detail.locator('.status')), 'FAILED');
  assert.match(await textOf(detail), /503 Service Unavailable/);
  assert.match(
    await textOf(page.locator('#detail-payload')),
    new RegExp(`"transaction_id":"${newestFailed.transactionId}"`),
  );
  await screenshot(page, '04-detail');

  // Retry it once the downstream is fixed: it leaves FAILED, then ends PROCESSED.
  stopFailing();
  await page.getByRole('button', { name: 'Retry this transaction' }).click();
  await page.locator('#detail-status').getByText('Requeued').waitFor();
  await waitFor(async () => (await textOf(detail.locator('.status'))) === 'PROCESSED', {
    message: 'the detail to show PROCESSED',
  });
  assert.equal((await rt.store.get(newestFailed.transactionId))?.status, 'PROCESSED');
  await screenshot(page, '05-retried');

  // Retry every other FAILED match, after a confirmation that shows the count.
  await page.getByRole('button', { name: 'Retry FAILED matching this filter…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.match(await textOf(dialog), /Retry 4 FAILED transactions/);
  await screenshot(page, '06-confirm');
  await dialog.getByRole('button', { name: 'Retry' }).click();
  await page.locator('#action-status').getByText('Requeued 4 transactions').waitFor();
  await waitFor(async () => (await rt.store.countByStatus()).PROCESSED === 22, {
    message: 'all 22 PROCESSED',
  });
  await waitFor(async () => (await shownCount(page, 'FAILED')) === '0', {
    message: 'the page to count no FAILED',
  });
  await page.getByRole('button', { name: 'Refresh list' }).click();
  await page.getByText('None match').waitFor();
  await screenshot(page, '07-none-failed');

  assert.deepEqual(problems, []);
});

test('dashboard: a wrong key is refused with a message, and no key is asked when none is configured', {
  skip,
}, async (t) => {
  const locked = await startTestRuntime(t, { API_KEYS: KEY, PROCESS_DELAY_SECONDS: '0' });
  const { page } = await openPage();
  await page.goto(`${locked.url}/dashboard/`);
  await page.getByLabel('API key').fill('k_wrong');
  await page.getByRole('button', { name: 'Use key' }).click();
  await page.getByRole('alert').getByText('refused').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('webhook-gateway-api-key')), null);
  assert.ok(await page.locator('#app').isHidden());

  const open = await startTestRuntime(t, { PROCESS_DELAY_SECONDS: '0' });
  await postWebhook(open.url, webhookBody());
  const second = await openPage();
  await second.page.goto(`${open.url}/dashboard`);
  await second.page.locator('#transactions tbody tr').first().waitFor();
  assert.ok(await second.page.locator('#key-section').isHidden());
  assert.deepEqual(second.problems, []);
});

test('dashboard: a transaction whose payload was erased says so in its detail, and keeps its fields', {
  skip,
}, async (t) => {
  const rt = await startTestRuntime(t, { PROCESS_DELAY_SECONDS: '0' });
  const id = uniqueId('txn_erased');
  assert.equal((await postWebhook(rt.url, webhookBody({ transaction_id: id, amount: 42 }))).status, 202);
  await waitFor(async () => (await rt.store.get(id))?.status === 'PROCESSED', { message: 'PROCESSED' });
  assert.equal(await rt.store.erasePayload(id), 'erased');

  const { page, problems } = await openPage();
  await page.goto(`${rt.url}/dashboard`);
  await page.getByRole('button', { name: id }).click();
  const payload = page.locator('#detail-payload');
  await payload.getByText('Erased').waitFor();
  assert.match(await textOf(payload), /payload was erased/);
  assert.doesNotMatch(await textOf(payload), /transaction_id/);
  assert.match(await textOf(page.locator('#detail-fields')), /42 INR/);
  assert.equal(await textOf(page.locator('#detail .status')), 'PROCESSED');
  await screenshot(page, '08-payload-erased');
  // The browser reports the 410 itself; nothing else went wrong.
  assert.deepEqual(
    problems.filter((p) => !/status of 410/.test(p)),
    [],
  );
});
