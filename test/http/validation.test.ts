import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getTransaction, postWebhook } from '../helpers/http-client.js';
import { webhookBody } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';

interface FieldError {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** [case, body, the field the 422 must name] */
const invalid: [string, Record<string, unknown> | unknown[] | string, string[]][] = [
  ['missing transaction_id', webhookBody({ transaction_id: undefined }), ['body', 'transaction_id']],
  ['missing amount', webhookBody({ amount: undefined }), ['body', 'amount']],
  ['missing currency', webhookBody({ currency: undefined }), ['body', 'currency']],
  ['missing source_account', webhookBody({ source_account: undefined }), ['body', 'source_account']],
  [
    'missing destination_account',
    webhookBody({ destination_account: undefined }),
    ['body', 'destination_account'],
  ],
  ['empty transaction_id', webhookBody({ transaction_id: '' }), ['body', 'transaction_id']],
  [
    'transaction_id of 129 characters',
    webhookBody({ transaction_id: 'a'.repeat(129) }),
    ['body', 'transaction_id'],
  ],
  ['transaction_id with a space', webhookBody({ transaction_id: 'txn 1' }), ['body', 'transaction_id']],
  ['transaction_id with a slash', webhookBody({ transaction_id: 'txn/1' }), ['body', 'transaction_id']],
  ['numeric transaction_id', webhookBody({ transaction_id: 12345 }), ['body', 'transaction_id']],
  ['object transaction_id', webhookBody({ transaction_id: { $gt: '' } }), ['body', 'transaction_id']],
  ['account with unicode', webhookBody({ source_account: 'acç' }), ['body', 'source_account']],
  ['amount as a string', webhookBody({ amount: '1500' }), ['body', 'amount']],
  ['zero amount', webhookBody({ amount: 0 }), ['body', 'amount']],
  ['negative amount', webhookBody({ amount: -5 }), ['body', 'amount']],
  ['null amount', webhookBody({ amount: null }), ['body', 'amount']],
  ['amount with 16 significant digits', webhookBody({ amount: 1234567890123456 }), ['body', 'amount']],
  ['amount with 17 significant digits', webhookBody({ amount: 0.12345678901234568 }), ['body', 'amount']],
  ['lowercase currency', webhookBody({ currency: 'inr' }), ['body', 'currency']],
  ['four-letter currency', webhookBody({ currency: 'INRR' }), ['body', 'currency']],
  ['numeric currency', webhookBody({ currency: 356 }), ['body', 'currency']],
  ['array body', [webhookBody()], ['body']],
  ['string body', '"hello"', ['body']],
];

test('invalid webhooks answer 422 naming the field, and store nothing', async (t) => {
  const runtime = await startTestRuntime(t, { PROCESS_DELAY_SECONDS: '30' });
  for (const [name, body, loc] of invalid) {
    const res = await postWebhook(runtime.url, typeof body === 'string' ? body : JSON.stringify(body));
    assert.equal(res.status, 422, `${name}: ${JSON.stringify(res.body)}`);
    const detail = (res.body as { detail: FieldError[] }).detail;
    assert.ok(Array.isArray(detail) && detail.length > 0, name);
    assert.ok(
      detail.some((d) => JSON.stringify(d.loc) === JSON.stringify(loc)),
      `${name}: expected loc ${JSON.stringify(loc)}, got ${JSON.stringify(detail)}`,
    );
    for (const d of detail) assert.ok(typeof d.msg === 'string' && typeof d.type === 'string', name);
  }
  const counts = await runtime.store.countByStatus();
  assert.equal(
    Object.values(counts).reduce((a, b) => a + b, 0),
    0,
  );
});

test('every accepted amount is returned exactly as sent', async (t) => {
  const runtime = await startTestRuntime(t, { PROCESS_DELAY_SECONDS: '30' });
  const amounts = [
    '0.1',
    '19.99',
    '1500.10',
    '1500',
    '123456789012.345',
    '1e-7',
    '999999999999999',
    '0.000001',
  ];
  for (const text of amounts) {
    const id = `txn_amount_${amounts.indexOf(text)}_${Date.now()}`;
    const raw = `{"transaction_id":"${id}","source_account":"a","destination_account":"b","amount":${text},"currency":"INR"}`;
    assert.equal((await postWebhook(runtime.url, raw)).status, 202, text);
    const view = (await getTransaction(runtime.url, id)).body as { amount: number };
    assert.equal(view.amount, Number(text), text);
  }
});

test('valid edge cases are accepted', async (t) => {
  const { url } = await startTestRuntime(t, { PROCESS_DELAY_SECONDS: '30' });
  const valid = [
    webhookBody({ transaction_id: 'a'.repeat(128) }),
    webhookBody({ transaction_id: 'pay_A.b-c:d_9' }),
    webhookBody({ transaction_id: '123456789' }),
    webhookBody({ amount: 0.01 }),
    webhookBody({ currency: 'USD', extra: { nested: [1, 2, 3] } }),
  ];
  for (const body of valid) assert.equal((await postWebhook(url, body)).status, 202, JSON.stringify(body));
});

test('an invalid transaction id in the path answers 422', async (t) => {
  const { url } = await startTestRuntime(t);
  const res = await getTransaction(url, 'bad id with spaces');
  assert.equal(res.status, 422);
  assert.deepEqual((res.body as { detail: FieldError[] }).detail[0]?.loc, ['path', 'transaction_id']);
});
