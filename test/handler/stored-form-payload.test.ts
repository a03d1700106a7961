import assert from 'node:assert/strict';
import { test } from 'node:test';
import { receivedRecord } from '../../src/domain/transaction.js';
import { forwardMessage } from '../../src/handler/forward/forward-message.js';
import { webhookEventOf } from '../../src/handler/webhook-event.js';
import { payuSampleText } from '../helpers/gateway-deliveries.js';
import { newTransaction } from '../helpers/sample-transaction.js';

test("a gateway's form, stored as received, reaches a handler and a forwarded message as an object of its fields", () => {
  const form = payuSampleText('payment.successful');
  const record = receivedRecord(
    newTransaction({
      transactionId: 'payu:27553369917:success',
      provider: 'payu',
      eventType: 'success',
      paymentId: '27553369917',
      paymentStatus: 'captured',
      amount: 4000,
      currency: 'INR',
      payload: form,
    }),
  );
  const payload = webhookEventOf(record).payload as Record<string, string>;
  assert.equal(payload.mihpayid, '27553369917');
  assert.equal(payload.productinfo, 'Static QR', '+ is a space');
  assert.equal(payload.field3, '_mobilenum_@axl', '%40 is @');
  const message = JSON.parse(forwardMessage(record).body) as {
    payload: Record<string, string>;
    amount: number;
  };
  assert.deepEqual(message.payload, payload);
  assert.equal(message.amount, 4000);
  // A JSON payload is still read as JSON.
  const json = receivedRecord(newTransaction({ payload: '{"transaction_id":"t1","amount":1500.10}' }));
  assert.deepEqual(webhookEventOf(json).payload, { transaction_id: 't1', amount: 1500.1 });
});
