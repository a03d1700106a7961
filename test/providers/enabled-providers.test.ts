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

test("an erased payload's event is read from its record's columns: the payment's amount unless the event is a refund's", () => {
  const captured = receivedRecord(
    newTransaction({
      provider: 'razorpay',
      eventType: 'payment.captured',
      paymentId: 'pay_DESp9bgForNoUd',
      paymentStatus: 'captured',
      amount: 100,
      currency: 'INR',
      // The columns as the mapping filled them when the event arrived.
      sourceAccount: null,
      destinationAccount: 'acc_BFQ7uQEaa7j2z7',
      payload: fixtureBytes('razorpay', 'payment.captured.card').toString('utf8'),
    }),
  );
  const fromPayload = readStoredEvent(captured);
  const erased = readStoredEvent({ ...captured, payload: null });
  assert.deepEqual(
    { ...erased, facts: { ...erased?.facts, amountRefunded: null } },
    { ...fromPayload, facts: { ...fromPayload?.facts, amountRefunded: null } },
    'the same event, but for what only the payload states',
  );
  assert.equal(erased?.facts.paymentAmount, 100);
  for (const [provider, eventType] of [
    ['razorpay', 'refund.processed'],
    ['stripe', 'charge.refund.updated'],
    ['stripe', 'refund.created'],
    ['cashfree', 'REFUND_STATUS_WEBHOOK'],
  ] as const) {
    const refund = readStoredEvent({ ...captured, provider, eventType, amount: 40, payload: null });
    assert.equal(refund?.amount, 40);
    assert.equal(refund?.facts.paymentAmount, null, `${eventType}: a refund's amount is not the payment's`);
  }
  // Stripe's charge.refunded carries the charge: its amount is the payment's.
  const charge = readStoredEvent({
    ...captured,
    provider: 'stripe',
    eventType: 'charge.refunded',
    payload: null,
  });
  assert.equal(charge?.facts.paymentAmount, 100);
  assert.equal(readStoredEvent({ ...receivedRecord(newTransaction()), payload: null }), null);
});
