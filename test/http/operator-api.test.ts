import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PROVIDER_REGISTRY, providerNames } from '../../src/providers/provider-registry.js';
import { FAIL_MARKER, stopFailing } from '../helpers/failing-handler.js';
import { postWebhook, request } from '../helpers/http-client.js';
import { uniqueId, webhookBody } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

const KEY = 'k_ops_4f1d8a2c6b9e';
const auth = { authorization: `Bearer ${KEY}` };
const FAILING_HANDLER = fileURLToPath(new URL('../helpers/failing-handler.js', import.meta.url));

interface View {
  transaction_id: string;
  status: string;
  created_at: string;
  last_error: string | null;
}
interface Page {
  items: View[];
  next_cursor: string | null;
}

/** Every page of `query` (limit included), following next_cursor. */
async function allPages(url: string, query: string): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const path = `/v1/transactions?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await request(url, 'GET', path, { headers: auth });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const page = res.body as Page;
    pages.push(page);
    cursor = page.next_cursor;
  } while (cursor);
  return pages;
}

/** Ids in the list's order: newest first, ties by the higher id (byte order, as in ASCII ids). */
function inListOrder(views: readonly View[]): boolean {
  return views.every((v, i) => {
    const next = views[i + 1];
    if (!next) return true;
    const a = Date.parse(v.created_at);
    const b = Date.parse(next.created_at);
    return a > b || (a === b && v.transaction_id > next.transaction_id);
  });
}

test('operators: 300 webhooks, 30 failing for good: list them by pages, count them, retry them all', async (t) => {
  const rt = await startTestRuntime(t, {
    API_KEYS: KEY,
    MAX_ATTEMPTS: '1',
    HANDLER_MODULE: FAILING_HANDLER,
  });
  const ids = Array.from({ length: 300 }, (_, i) => uniqueId(i % 10 === 3 ? `txn${FAIL_MARKER}` : 'txn'));
  const failing = new Set(ids.filter((id) => id.includes(FAIL_MARKER)));
  assert.equal(failing.size, 30);
  for (let i = 0; i < ids.length; i += 25) {
    const chunk = ids.slice(i, i + 25);
    const answers = await Promise.all(
      chunk.map((id) => postWebhook(rt.url, webhookBody({ transaction_id: id }))),
    );
    for (const answer of answers) assert.equal(answer.status, 202);
  }
  await waitFor(
    async () => {
      const counts = await rt.store.countByStatus();
      return counts.FAILED === 30 && counts.PROCESSED === 270;
    },
    { message: '270 PROCESSED and 30 FAILED' },
  );

  const pages = await allPages(rt.url, 'status=FAILED&limit=7');
  assert.deepEqual(
    pages.map((p) => p.items.length),
    [7, 7, 7, 7, 2],
  );
  const listed = pages.flatMap((p) => p.items);
  assert.equal(new Set(listed.map((v) => v.transaction_id)).size, 30, 'no duplicates');
  assert.deepEqual(new Set(listed.map((v) => v.transaction_id)), failing);
  assert.ok(inListOrder(listed), 'newest first');
  for (const view of listed) {
    assert.equal(view.status, 'FAILED');
    assert.match(view.last_error ?? '', /503 Service Unavailable/);
  }

  assert.equal((await request(rt.url, 'GET', '/v1/transactions?status=FAILED&limit=7')).status, 401);
  assert.equal((await request(rt.url, 'GET', '/v1/stats')).status, 401);
  const stats = await request(rt.url, 'GET', '/v1/stats', { headers: auth });
  assert.equal(stats.status, 200);
  const figures = stats.body as {
    by_status: Record<string, number>;
    failed_last_hour: number;
    total: number;
  };
  assert.deepEqual(figures.by_status, { RECEIVED: 0, PROCESSING: 0, PROCESSED: 270, FAILED: 30 });
  assert.equal(figures.failed_last_hour, 30);
  assert.equal(figures.total, 300);

  const retry = (body: unknown, headers: Record<string, string> = auth) =>
    request(rt.url, 'POST', '/v1/transactions/retry', { body, headers });
  assert.equal((await retry({ status: 'FAILED', dry_run: true }, {})).status, 401);
  const dry = await retry({ status: 'FAILED', dry_run: true });
  assert.equal(dry.status, 200);
  assert.deepEqual(dry.body, { matched: 30 });
  assert.equal((await rt.store.countByStatus()).FAILED, 30, 'a dry run changes nothing');

  stopFailing();
  const done = await retry({ status: 'FAILED' });
  assert.equal(done.status, 202);
  assert.deepEqual(done.body, { requeued: 30 });
  await waitFor(async () => (await rt.store.countByStatus()).PROCESSED === 300, {
    message: 'the 30 retried transactions PROCESSED',
  });
  for (const id of failing) assert.equal((await rt.store.get(id))?.status, 'PROCESSED');
  assert.deepEqual((await retry({ status: 'FAILED' })).body, { requeued: 0 }, 'repeating finds nothing');
});

test('operators: the list filters, pages with cursors bound to their filters, and refuses bad input with 422', async (t) => {
  const rt = await startTestRuntime(t, { API_KEYS: KEY, PROCESS_DELAY_SECONDS: '600' });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const id = uniqueId();
    ids.push(id);
    assert.equal((await postWebhook(rt.url, webhookBody({ transaction_id: id }))).status, 202);
  }
  const list = (query: string) => request(rt.url, 'GET', `/v1/transactions${query}`, { headers: auth });

  const first = await list('?limit=2');
  assert.equal(first.status, 200);
  const page = first.body as Page;
  assert.equal(page.items.length, 2);
  assert.ok(page.next_cursor);
  // The same cursor with other filters, or edited, is refused rather than giving a wrong page.
  const other = await list(`?limit=2&status=FAILED&cursor=${page.next_cursor}`);
  assert.equal(other.status, 422);
  assert.match(JSON.stringify(other.body), /issued for other filters/);
  const cursor = page.next_cursor;
  const flipped = `${cursor.slice(0, 5)}${cursor[5] === 'A' ? 'B' : 'A'}${cursor.slice(6)}`;
  for (const bad of [flipped, 'abc', `${cursor}.x`, cursor.split('.')[0]!]) {
    const res = await list(`?limit=2&cursor=${encodeURIComponent(bad)}`);
    assert.equal(res.status, 422, bad);
    assert.deepEqual((res.body as { detail: { loc: string[] }[] }).detail[0]?.loc, ['query', 'cursor']);
  }
  const everything = (await allPages(rt.url, 'limit=2')).flatMap((p) => p.items.map((v) => v.transaction_id));
  assert.deepEqual(new Set(everything), new Set(ids));
  assert.equal(everything.length, 5);
  assert.equal((await list('?limit=500')).status, 200);
  assert.equal(((await list('')).body as Page).items.length, 5, 'default page holds all five');

  const refused: Record<string, [string, string]> = {
    '?limit=501': ['limit', 'less_than_equal'],
    '?limit=0': ['limit', 'greater_than'],
    '?limit=ten': ['limit', 'int_parsing'],
    '?limit=-1': ['limit', 'int_parsing'],
    '?status=DONE': ['status', 'enum'],
    '?provider=paypal': ['provider', 'enum'],
    '?created_after=yesterday': ['created_after', 'datetime_parsing'],
    '?created_after=2026-02-30': ['created_after', 'datetime_parsing'],
    '?created_after=2026-11-25T10:30:00': ['created_after', 'datetime_parsing'],
    '?created_after=2026-11-26&created_before=2026-11-25': ['created_before', 'greater_than'],
    '?event_type=a%20b': ['event_type', 'string_pattern_mismatch'],
    '?payment_id=%24ne': ['payment_id', 'string_pattern_mismatch'],
    '?stauts=FAILED': ['stauts', 'extra_forbidden'],
    '?status=FAILED&status=RECEIVED': ['status', 'string_type'],
  };
  for (const [query, [field, type]] of Object.entries(refused)) {
    const res = await list(query);
    assert.equal(res.status, 422, query);
    const detail = (res.body as { detail: { loc: string[]; type: string; msg: string }[] }).detail;
    assert.ok(
      detail.some((d) => d.loc[0] === 'query' && d.loc.at(-1) === field && d.type === type),
      `${query}: ${JSON.stringify(detail)}`,
    );
  }
  const accepted = [
    '?created_after=2026-11-25',
    '?created_after=2026-11-25T10:30:00Z',
    '?created_after=2026-11-25T16:00:00.123%2B05:30',
    '?status=RECEIVED&provider=razorpay&event_type=payment.captured&payment_id=pay_1',
  ];
  for (const query of accepted) assert.equal((await list(query)).status, 200, query);
  const since = new Date(Date.now() - 60_000).toISOString();
  const later = new Date(Date.now() + 60_000).toISOString();
  assert.equal(((await list(`?created_after=${since}`)).body as Page).items.length, 5);
  assert.equal(((await list(`?created_after=${later}`)).body as Page).items.length, 0);
  assert.equal(((await list(`?created_before=${since}`)).body as Page).items.length, 0);
  for (const path of ['/v1/transactions', '/v1/transactions?status=DONE', '/v1/stats']) {
    assert.equal((await request(rt.url, 'GET', path)).status, 401, path);
  }
});

test('operators: bulk retry and replay refuse unclear bodies and never touch a transaction on its way', async (t) => {
  const rt = await startTestRuntime(t, { PROCESS_DELAY_SECONDS: '600' });
  const id = uniqueId();
  assert.equal((await postWebhook(rt.url, webhookBody({ transaction_id: id }))).status, 202);
  const retry = (body: unknown) => request(rt.url, 'POST', '/v1/transactions/retry', { body });
  const refused: [unknown, string][] = [
    [{ status: 'RECEIVED' }, 'status'],
    [{ provder: 'stripe' }, 'provder'],
    [{ ids: [id], provider: 'stripe' }, 'provider'],
    [{ ids: [] }, 'ids'],
    [{ ids: [id, id] }, 'ids'],
    [{ ids: ['bad id'] }, 'ids'],
    [{ dry_run: 'yes' }, 'dry_run'],
    [{ created_before: 'soon' }, 'created_before'],
  ];
  const replay = (body: unknown) => request(rt.url, 'POST', '/v1/transactions/replay', { body });
  for (const bulk of [retry, replay]) {
    for (const [body, field] of refused) {
      const res = await bulk(body);
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.ok(JSON.stringify(res.body).includes(`"${field}"`), JSON.stringify(res.body));
    }
  }
  assert.deepEqual((await replay({ ids: [id], dry_run: true })).body, { matched: 0 });
  assert.deepEqual((await replay({ ids: [id] })).body, { replayed: 0 });
  assert.equal((await retry('[1]')).status, 422);
  assert.deepEqual((await retry({ ids: [id], dry_run: true })).body, { matched: 0 });
  assert.deepEqual((await retry({ ids: [id] })).body, { requeued: 0 });
  assert.deepEqual((await retry({})).body, { requeued: 0 });
  const record = await rt.store.get(id);
  assert.ok(record?.status === 'RECEIVED' || record?.status === 'PROCESSING', record?.status);
  assert.equal(record?.attempts, record?.status === 'PROCESSING' ? 1 : 0);
});

test('operators: the raw payload comes back byte for byte; stats answer on an empty store', async (t) => {
  const rt = await startTestRuntime(t, { PROCESS_DELAY_SECONDS: '600' });
  const empty = await request(rt.url, 'GET', '/v1/stats');
  assert.equal(empty.status, 200);
  assert.deepEqual(empty.body, {
    ...(empty.body as object),
    by_status: { RECEIVED: 0, PROCESSING: 0, PROCESSED: 0, FAILED: 0 },
    total: 0,
    oldest_received_at: null,
    oldest_received_age_seconds: null,
    failed_last_hour: 0,
    // A row for every registered provider, in the registry's order.
    by_provider: Object.fromEntries(
      providerNames(PROVIDER_REGISTRY).map((p) => [p, { RECEIVED: 0, PROCESSING: 0, FAILED: 0 }]),
    ),
  });
  const id = uniqueId();
  const raw = `{"transaction_id":"${id}","source_account":"acc_1","destination_account":"acc_2","amount":19.990,"currency":"INR","note":"naïve ☃"}`;
  assert.equal((await postWebhook(rt.url, raw)).status, 202);
  const response = await fetch(`${rt.url}/v1/transactions/${id}/payload`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(await response.text(), raw);
  assert.equal((await request(rt.url, 'GET', `/v1/transactions/${uniqueId()}/payload`)).status, 404);
  const stats = (await request(rt.url, 'GET', '/v1/stats')).body as {
    total: number;
    oldest_received_at: string;
  };
  assert.equal(stats.total, 1);
  assert.ok(stats.oldest_received_at === null || Date.parse(stats.oldest_received_at) <= Date.now());
});

test('operators: a cursor crafted with a valid checksum but an impossible position is a 422, not a 500', async (t) => {
  const rt = await startTestRuntime(t, { PROCESS_DELAY_SECONDS: '600' });
  const { createHash } = await import('node:crypto');
  const craft = (payload: unknown) => {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const sum = createHash('sha256').update(`cursor:${body}`).digest().subarray(0, 9).toString('base64url');
    return `${body}.${sum}`;
  };
  const { encodeCursor } = await import('../../src/transactions/list-cursor.js');
  const valid = encodeCursor({ createdAt: new Date(), transactionId: 'txn_x' }, {});
  const fingerprint = (JSON.parse(Buffer.from(valid.split('.')[0]!, 'base64url').toString()) as string[])[3];
  assert.equal(
    (await request(rt.url, 'GET', `/v1/transactions?cursor=${craft([1, Date.now(), 'txn_x', fingerprint])}`))
      .status,
    200,
  );
  for (const payload of [
    [1, 9e15, 'txn_x', fingerprint],
    [1, -1, 'txn_x', fingerprint],
    [1, 1.5, 'txn_x', fingerprint],
    [1, Date.now(), 'x'.repeat(600), fingerprint],
    [2, Date.now(), 'txn_x', fingerprint],
    { at: Date.now() },
  ]) {
    const res = await request(rt.url, 'GET', `/v1/transactions?cursor=${craft(payload)}`);
    assert.equal(res.status, 422, JSON.stringify(payload));
  }
});
