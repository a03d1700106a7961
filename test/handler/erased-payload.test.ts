import assert from 'node:assert/strict';
import { test } from 'node:test';
import { receivedRecord } from '../../src/domain/transaction.js';
import { forwardMessage } from '../../src/handler/forward/forward-message.js';
import { webhookEventOf } from '../../src/handler/webhook-event.js';
import { newTransaction } from '../helpers/sample-transaction.js';

// A FAILED transaction requeued after its payload was erased is processed without it.
const erased = { ...receivedRecord(newTransaction({ amount: 19.99 })), payload: null };

test("a handler is told a transaction's payload was erased, and still gets its fields", () => {
  const event = webhookEventOf(erased);
  assert.equal(event.payload, null);
  assert.equal(event.amount, 19.99);
  assert.equal(event.currency, 'INR');
});

test('a forwarded transaction whose payload was erased carries payload null and its fields', () => {
  const body = JSON.parse(forwardMessage(erased).body) as Record<string, unknown>;
  assert.equal(body.payload, null);
  assert.equal(body.transaction_id, erased.transactionId);
  assert.equal(body.amount, 19.99);
});
