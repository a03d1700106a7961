import assert from 'node:assert/strict';
import { test } from 'node:test';
import { receivedRecord } from '../../src/domain/transaction.js';
import { enabledProviders, readStoredEvent } from '../../src/providers/enabled-providers.js';
import { fixtureBytes } from '../helpers/provider-fixtures.js';
import { newTransaction } from '../helpers/sample-transaction.js';

test('only providers with secrets are enabled', () => {
  assert.deepEqual([...enabledProviders({ razorpay: null, stripe: null }).keys()], []);
  const both = enabledProviders({
    razorpay: { secrets: ['rzp'] },
    stripe: { secrets: ['whsec_x'], toleranceSeconds: 300 },
  });
  assert.deepEqual([...both.keys()], ['razorpay', 'stripe']);
});

test('a stored event is re-read from its payload; an original record is none; an unreadable payload falls back to its columns', () => {
  const stored = receivedRecord(
    newTransaction({
      transactionId: 'EvStored000001',
      provider: 'razorpay',
      eventType: 'refund.processed',
      paymentId: 'pay_FPoJKWQQ8lK13n',
      paymentStatus: 'partially_refunded',
      amount: 50000,
      payload: fixtureBytes('razorpay', 'refund.processed').toString('utf8'),
    }),
  );
  const event = readStoredEvent(stored);
  assert.equal(event?.eventId, 'EvStored000001');
  // Only the payload holds these: the refund and the payment's refunded total.
  assert.equal(event?.facts.refund?.id, 'rfnd_FS8TWyPrCsa0OB');
  assert.equal(event?.facts.amountRefunded, 190000);

  assert.equal(readStoredEvent(receivedRecord(newTransaction())), null);

  const unreadable = readStoredEvent({ ...stored, payload: '{"not":"an envelope"}' });
  assert.deepEqual(
    {
      paymentId: unreadable?.paymentId,
      paymentStatus: unreadable?.paymentStatus,
      amount: unreadable?.amount,
      refund: unreadable?.facts.refund,
    },
    { paymentId: 'pay_FPoJKWQQ8lK13n', paymentStatus: 'partially_refunded', amount: 50000, refund: null },
  );
});
