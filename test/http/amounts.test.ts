import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniqueId } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { send, storedCount, WEBHOOK_PATH } from './raw-http.js';

/** A webhook body whose amount is written exactly as `amountText`, with no serializer in between. */
const bodyWithAmount = (id: string, amountText: string) =>
  `{"transaction_id":"${id}","source_account":"acc_user_789","destination_account":"acc_merchant_456","amount":${amountText},"currency":"INR"}`;

// [amount as written in the JSON text, the number the API returns, or the status it refuses with]
const ACCEPTED: ReadonlyArray<readonly [string, number]> = [
  ['0.1', 0.1],
  ['19.99', 19.99],
  ['1500.10', 1500.1],
  ['1500', 1500],
  ['123456789012.345', 123456789012.345],
  ['1e-7', 1e-7],
  ['1E-7', 1e-7],
  ['0.0000001', 1e-7],
  ['999999999999999', 999999999999999],
  ['1234567890123450', 1234567890123450],
  ['0.000000000000000000000000000012345678901234', 1.2345678901234e-29],
  ['2.5e+3', 2500],
  ['1e300', 1e300],
];
const REFUSED: ReadonlyArray<readonly [string, number]> = [
  ['1234567890123456', 422],
  ['0.10000000000000001', 422],
  ['1500.000000000000001', 422],
  ['9007199254740993', 422],
  ['0', 422],
  ['0.0', 422],
  ['-0', 422],
  ['-1', 422],
  ['-0.01', 422],
  ['"1500"', 422],
  ['"1500.10"', 422],
  ['null', 422],
  ['true', 422],
  ['[1500]', 422],
  ['{"$numberDecimal":"1500"}', 422],
  ['{"$gt":0}', 422],
  ['1e400', 422],
  ['-1e400', 422],
  ['1e-400', 422],
  ['1.2345678901234e-320', 422],
  ['NaN', 400],
  ['Infinity', 400],
  ['0x10', 400],
  ['01500', 400],
  ['1500.', 400],
  ['.5', 400],
  ['+1', 400],
];

test('amounts are stored and returned exactly as sent up to 15 significant digits; anything else is refused', async (t) => {
  const rt = await startTestRuntime(t);
  for (const [text, expected] of ACCEPTED) {
    const id = uniqueId();
    const body = bodyWithAmount(id, text);
    const res = await send(rt.url, {
      method: 'POST',
      path: WEBHOOK_PATH,
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(res.status, 202, `${text}: ${res.text}`);
    const view = await send(rt.url, { path: `/v1/transactions/${id}` });
    // The JSON text of the answer, not only its parsed value: no 1500.1000000000001 on the wire.
    assert.match(view.text, new RegExp(`"amount":${String(expected).replace(/[.+]/g, '\\$&')}[,}]`), text);
    assert.equal((view.json as { amount: number }).amount, expected, text);
    const record = await rt.store.get(id);
    assert.equal(record?.amount, expected, text);
    assert.equal(record?.payload, body, `${text}: the raw body keeps the amount as written`);
  }
  for (const [text, status] of REFUSED) {
    const id = uniqueId();
    const res = await send(rt.url, {
      method: 'POST',
      path: WEBHOOK_PATH,
      headers: { 'content-type': 'application/json' },
      body: bodyWithAmount(id, text),
    });
    assert.equal(res.status, status, `${text}: ${res.text}`);
    if (status === 422) {
      const [error] = (res.json as { detail: Array<{ loc: unknown[] }> }).detail;
      assert.deepEqual(error?.loc, ['body', 'amount'], text);
    }
    assert.equal(await rt.store.get(id), null, text);
  }
  assert.equal(await storedCount(rt.store), ACCEPTED.length);
});

test('the 15-digit refusal names the rule', async (t) => {
  const rt = await startTestRuntime(t);
  const res = await send(rt.url, {
    method: 'POST',
    path: WEBHOOK_PATH,
    headers: { 'content-type': 'application/json' },
    body: bodyWithAmount(uniqueId(), '1234567890123456'),
  });
  assert.deepEqual(res.json, {
    detail: [
      {
        loc: ['body', 'amount'],
        msg: 'Input should have at most 15 significant digits',
        type: 'decimal_max_digits',
      },
    ],
  });
});
