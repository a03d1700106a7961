import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStoredPayload, storedPayloadFormat } from '../../src/domain/stored-payload.js';
import { decodeForm, decodeFormBytes } from '../../src/providers/form-fields.js';
import { MalformedBodyError } from '../../src/providers/webhook-provider.js';

test('a form decodes as URLSearchParams does: + is a space, %2B a plus, %xx UTF-8', () => {
  const form = decodeForm(
    'productinfo=Static+QR&email=a%2Bb%40x.in&name=na%C3%AFve&empty=&flag&%5F_proto__=x',
  );
  assert.deepEqual(
    [...form],
    [
      ['productinfo', 'Static QR'],
      ['email', 'a+b@x.in'],
      ['name', 'naïve'],
      ['empty', ''],
      ['flag', ''],
      ['__proto__', 'x'],
    ],
  );
  // Read back as a stored payload, __proto__ stays a field: nothing's prototype changes.
  const stored = parseStoredPayload('%5F_proto__=x') as Record<string, unknown>;
  assert.equal(Object.getOwnPropertyDescriptor(stored, '__proto__')?.value, 'x');
  assert.equal(Object.getPrototypeOf(stored), Object.prototype);
  assert.deepEqual(Object.fromEntries(decodeForm('')), {});
});

test('a field sent twice, a body that begins with {, or bytes that are not UTF-8 are refused', () => {
  for (const text of ['a=1&a=2', 'status=success&x=1&status=failure', 'a=1&a', '{"a":1}', '  {"a":1}']) {
    assert.throws(() => decodeForm(text), MalformedBodyError, text);
  }
  assert.throws(() => decodeFormBytes(Buffer.from([0x61, 0x3d, 0xff])), MalformedBodyError);
  // A byte-order mark is kept, not swallowed: the stored text is the bytes as sent.
  assert.equal([...decodeFormBytes(Buffer.from('\ufeffa=1')).keys()][0], '\ufeffa');
});

test('stored payloads are told apart by their first character: a JSON object, or a form', () => {
  assert.equal(storedPayloadFormat('{"a":1}'), 'json');
  assert.equal(storedPayloadFormat(' \n\t{"a":1}'), 'json');
  assert.equal(storedPayloadFormat('mihpayid=1&status=success'), 'form');
  assert.equal(storedPayloadFormat('\ufeffa=1'), 'form');
  assert.deepEqual(parseStoredPayload('{"amount":170.50}'), { amount: 170.5 });
  assert.deepEqual(parseStoredPayload('TXNID=T1&RESPMSG=Txn+Success'), {
    TXNID: 'T1',
    RESPMSG: 'Txn Success',
  });
});
