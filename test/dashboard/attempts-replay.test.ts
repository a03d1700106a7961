import assert from 'node:assert/strict';
import { test } from 'node:test';
import { screenshot, textOf, useDashboardBrowser } from '../helpers/dashboard-browser.js';
import { forwardSecret, startForwardReceiver } from '../helpers/forward-receiver.js';
import { postWebhook } from '../helpers/http-client.js';
import { uniqueId, webhookBody } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

const dashboard = useDashboardBrowser();
const skip = dashboard.skip;
const KEY = 'k_dash_attempts_93be1c';
const REFUSAL = '{"error":"unknown destination_account"}';

test("dashboard: the last hour as a chart, a failed transaction's attempts with the receiver's status, replay of one and of every match", {
  skip,
}, async (t) => {
  const secret = forwardSecret();
  let refusing = true;
  const receiver = await startForwardReceiver(secret, {
    t,
    respond: (d) =>
      d.transactionId.startsWith('bad_') && refusing
        ? { status: 400, body: REFUSAL }
        : { status: 200, body: 'ok' },
  });
  const rt = await startTestRuntime(t, { API_KEYS: KEY, FORWARD_URL: receiver.url, FORWARD_SECRET: secret });
  const ids = [
    ...Array.from({ length: 2 }, () => uniqueId('bad')),
    ...Array.from({ length: 4 }, () => uniqueId('ok')),
  ];
  for (const id of ids)
    assert.equal((await postWebhook(rt.url, webhookBody({ transaction_id: id }))).status, 202);
  await waitFor(async () => {
    const counts = await rt.store.countByStatus();
    return counts.PROCESSED === 4 && counts.FAILED === 2;
  });

  const { page, problems } = await dashboard.openPage();
  const response = await page.goto(`${rt.url}/dashboard/`);
  const csp = response?.headers()['content-security-policy'] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /style-src 'self';/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  await page.getByLabel('API key').fill(KEY);
  await page.getByLabel('API key').press('Enter');

  // The chart: an svg with a line per series over the 60 minutes, its totals stated.
  const chart = page.locator('#timeline svg.timeline-chart');
  await chart.waitFor();
  assert.equal(await chart.getAttribute('data-minutes'), '60');
  assert.equal(await chart.locator('polyline').count(), 3);
  assert.equal(await chart.locator('rect.minute').count(), 60);
  const total = (series: string) =>
    chart.locator(`polyline[data-series="${series}"]`).getAttribute('data-total');
  assert.deepEqual(
    [await total('received'), await total('processed'), await total('failed')],
    ['6', '4', '2'],
  );
  assert.match(await textOf(chart.locator('desc')), /^6 received, 4 processed, 2 failed between/);
  const points = (await chart.locator('polyline[data-series="received"]').getAttribute('points'))!.split(' ');
  assert.equal(points.length, 60);
  assert.ok(new Set(points.map((p) => p.split(',')[1])).size > 1, 'the line rises where webhooks arrived');
  await screenshot(page, '11-timeline');

  // A failed transaction's detail shows the status code its receiver answered.
  await page.getByLabel('Status').selectOption('FAILED');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  const rows = page.locator('#transactions tbody tr');
  await waitFor(async () => (await rows.count()) === 2);
  const failedId = (await rows.first().locator('button.link').textContent())!;
  assert.match(failedId, /^bad_/);
  await page.getByRole('button', { name: failedId }).click();
  const attempts = page.locator('#attempts tbody tr');
  await waitFor(
    async () => (await attempts.count()) === 1 && (await textOf(attempts.first())).includes('failed'),
  );
  assert.equal(await textOf(attempts.first().locator('td.http-status')), '400');
  assert.equal(await textOf(attempts.first().locator('pre.excerpt')), REFUSAL);
  assert.match(await textOf(attempts.first()), /PermanentError: HTTP 400/);
  await screenshot(page, '12-failed-attempts');

  // Replay it once the receiver takes it: a confirmation, then a second attempt answered 200.
  refusing = false;
  await page.getByRole('button', { name: 'Replay this transaction' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.match(await textOf(dialog), new RegExp(`Replay ${failedId}\\?`));
  await dialog.getByRole('button', { name: 'Replay' }).click();
  await page.locator('#detail-status').getByText('Replayed: now RECEIVED').waitFor();
  await waitFor(async () => (await rt.store.get(failedId))?.status === 'PROCESSED');
  await waitFor(async () => (await attempts.count()) === 2, {
    message: 'the detail to show the second attempt',
  });
  assert.equal(await textOf(attempts.nth(1).locator('td.http-status')), '200');
  assert.match(await textOf(attempts.nth(1)), /succeeded/);
  await screenshot(page, '13-replayed-one');

  // Replay every PROCESSED match, after a confirmation that states the dry run's count.
  await page.getByLabel('Status').selectOption('PROCESSED');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await waitFor(async () => (await rows.count()) === 5);
  await page.getByRole('button', { name: 'Replay matching this filter…' }).click();
  await dialog.waitFor();
  assert.match(await textOf(dialog), /Replay 5 transactions matching status PROCESSED\?/);
  await screenshot(page, '14-confirm-replay');
  await dialog.getByRole('button', { name: 'Replay' }).click();
  await page.locator('#action-status').getByText('Replayed 5 transactions.').waitFor();
  await waitFor(
    async () => (await rt.store.countByStatus()).PROCESSED === 5 && receiver.deliveries.length === 6 + 1 + 5,
  );
  assert.equal((await rt.store.get(ids.at(-1)!))?.status, 'PROCESSED');

  // The chart refreshes with the counts: two more webhooks show up in it.
  await page.getByLabel('Status').selectOption('');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  for (const id of [uniqueId('ok'), uniqueId('ok')])
    await postWebhook(rt.url, webhookBody({ transaction_id: id }));
  await waitFor(async () => (await total('received')) === '8', { message: 'the chart to count 8 received' });
  await screenshot(page, '15-chart-refreshed');

  // Statuses that cannot be replayed leave the button off.
  await page.getByLabel('Status').selectOption('RECEIVED');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await waitFor(() => page.getByRole('button', { name: 'Replay matching this filter…' }).isDisabled());
  assert.deepEqual(problems, []);
});
