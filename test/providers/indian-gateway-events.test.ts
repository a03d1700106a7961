import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cashfreeDefinition } from '../../src/providers/cashfree/cashfree-definition.js';
import { mapCashfreeEvent } from '../../src/providers/cashfree/cashfree-event.js';
import { cashfreeEventId, parseCashfreeBody } from '../../src/providers/cashfree/cashfree-provider.js';
import { derivedEventId } from '../../src/providers/event-identity.js';
import { decodeForm } from '../../src/providers/form-fields.js';
import { paytmDefinition } from '../../src/providers/paytm/paytm-definition.js';
import { mapPaytmEvent } from '../../src/providers/paytm/paytm-event.js';
import { payuDefinition } from '../../src/providers/payu/payu-definition.js';
import { mapPayuEvent } from '../../src/providers/payu/payu-event.js';
import { phonepeDefinition } from '../../src/providers/phonepe/phonepe-definition.js';
import { mapPhonepeEvent, phonepeEventId } from '../../src/providers/phonepe/phonepe-event.js';
import type { ProviderDefinition } from '../../src/providers/provider-definition.js';
import { EnvelopeError } from '../../src/providers/webhook-provider.js';
import { paytmSampleFields, payuSampleText } from '../helpers/gateway-deliveries.js';
import { fixtureBytes, fixtureJson } from '../helpers/provider-fixtures.js';
import { NO_FACTS } from './unmapped.js';

const IDENTIFIER = /^[A-Za-z0-9_.:-]{1,128}$/;

const cashfree = (name: string) => parseCashfreeBody(fixtureBytes('cashfree', name).toString('utf8'));
const paytmForm = (name: string) => new Map(paytmSampleFields(name));

describe('derived event ids', () => {
  test('readable when every part is plain and the whole fits, else a hash; always a transaction id, always the same', () => {
    assert.equal(derivedEventId('payu', ['27553369917', 'success']), 'payu:27553369917:success');
    const hashed = [
      ['n9rn7079wqXcse3GEDEXCYle9ajXmU0SUQY8zrUNAlc='],
      ['a:b'],
      ['x'.repeat(130)],
      [''],
      ['naïve'],
    ];
    for (const parts of hashed) {
      const id = derivedEventId('cashfree', parts);
      assert.match(id, /^cashfree::[0-9a-f]{64}$/, JSON.stringify(parts));
      assert.equal(derivedEventId('cashfree', parts), id, 'stable');
    }
    assert.notEqual(derivedEventId('p', ['a:b']), derivedEventId('p', ['a', 'b']));
    assert.notEqual(derivedEventId('p', ['a', 'b']), derivedEventId('p', ['a:b']));
    for (const parts of [...hashed, ['a', 'b'], ['x'.repeat(120)]]) {
      assert.match(derivedEventId('phonepe', parts), IDENTIFIER);
    }
  });
});

describe("Cashfree's mapping", () => {
  test('the published samples: payment id, status, paise, INR, the customer', () => {
    assert.deepEqual(mapCashfreeEvent(cashfree('PAYMENT_SUCCESS_WEBHOOK').value, 'e1'), {
      provider: 'cashfree',
      eventId: 'e1',
      eventType: 'PAYMENT_SUCCESS_WEBHOOK',
      paymentId: '1453002795',
      paymentStatus: 'captured',
      amount: 100,
      currency: 'INR',
      sourceAccount: '7112AAA812234',
      destinationAccount: null,
      facts: { ...NO_FACTS, paymentAmount: 100, paymentCurrency: 'INR' },
    });
    const failed = mapCashfreeEvent(cashfree('PAYMENT_FAILED_WEBHOOK').value, 'e2');
    assert.deepEqual(
      [failed.paymentId, failed.paymentStatus, failed.amount, failed.sourceAccount],
      ['1504280029', 'failed', 180, null],
    );
  });

  test('statuses that say nothing clear map to null; a numeric cf_payment_id is read from its digits', () => {
    const text = fixtureBytes('cashfree', 'PAYMENT_SUCCESS_WEBHOOK').toString('utf8');
    for (const [status, expected] of [
      ['USER_DROPPED', null],
      ['PENDING', null],
      ['VOID', null],
      ['CANCELLED', null],
      ['SUCCESS', 'captured'],
    ] as const) {
      const body = parseCashfreeBody(
        text.replace('"payment_status":"SUCCESS"', `"payment_status":"${status}"`),
      );
      assert.equal(mapCashfreeEvent(body.value, 'e').paymentStatus, expected, status);
    }
    const numeric = parseCashfreeBody(
      text.replace('"cf_payment_id":"1453002795"', '"cf_payment_id":12345678901234567890'),
    );
    assert.equal(
      mapCashfreeEvent(numeric.value, 'e').paymentId,
      '12345678901234567890',
      'no digit lost to a double',
    );
  });

  test('a refund (a payload built from the documented REFUND_STATUS_WEBHOOK fields) states the refund of its payment', () => {
    const refund = (status: string) =>
      parseCashfreeBody(
        `{"data":{"refund":{"cf_refund_id":11325632,"cf_payment_id":789727431,"refund_id":"refund_1","order_id":"o1",` +
          `"refund_amount":50.25,"refund_currency":"INR","refund_status":"${status}"}},` +
          '"event_time":"2025-01-15T13:04:28+05:30","type":"REFUND_STATUS_WEBHOOK"}',
      );
    const event = mapCashfreeEvent(refund('SUCCESS').value, 'e');
    assert.deepEqual(
      [event.paymentId, event.paymentStatus, event.amount, event.facts.refund],
      ['789727431', null, 5025, { id: '11325632', amount: 5025, status: 'succeeded' }],
    );
    assert.equal(mapCashfreeEvent(refund('CANCELLED').value, 'e').facts.refund?.status, 'failed');
    assert.equal(mapCashfreeEvent(refund('ODD').value, 'e').facts.refund, null);
    assert.equal(cashfreeEventId({}, refund('SUCCESS')), 'cashfree:REFUND_STATUS_WEBHOOK:11325632:SUCCESS');
  });

  test('identity: the x-idempotency-key header when present, else the envelope, the same on every retry', () => {
    const body = cashfree('PAYMENT_SUCCESS_WEBHOOK');
    assert.equal(cashfreeEventId({}, body), 'cashfree:PAYMENT_SUCCESS_WEBHOOK:1453002795:SUCCESS');
    const key = 'n9rn7079wqXcse3GEDEXCYle9ajXmU0SUQY8zrUNAlc=';
    assert.equal(cashfreeEventId({ 'x-idempotency-key': key }, body), derivedEventId('cashfree', [key]));
    assert.throws(() => cashfreeEventId({ 'x-idempotency-key': [key, key] }, body), EnvelopeError);
    assert.throws(() => cashfreeEventId({ 'x-idempotency-key': '' }, body), EnvelopeError);
    const settlement = parseCashfreeBody(
      '{"data":{"settlement":{"status":"SUCCESS"}},"type":"SETTLEMENT_SUCCESS"}',
    );
    assert.match(cashfreeEventId({}, settlement), /^cashfree:SETTLEMENT_SUCCESS:[0-9a-f]{64}$/);
    assert.equal(mapCashfreeEvent(settlement.value, 'e').paymentId, null);
  });

  test('what is not the envelope, or has no usable amount, is refused', () => {
    for (const text of [
      '[]',
      '{"type":"X"}',
      '{"data":{},"type":""}',
      '{"data":{"payment":{"payment_amount":1}},"type":"X"}',
    ]) {
      assert.throws(() => mapCashfreeEvent(parseCashfreeBody(text).value, 'e'), EnvelopeError, text);
    }
  });
});

describe("PayU's mapping", () => {
  test('the published forms: mihpayid, status, paise, INR, the merchant key', () => {
    assert.deepEqual(mapPayuEvent(decodeForm(payuSampleText('payment.successful'))), {
      provider: 'payu',
      eventId: 'payu:27553369917:success',
      eventType: 'success',
      paymentId: '27553369917',
      paymentStatus: 'captured',
      amount: 4000,
      currency: 'INR',
      sourceAccount: null,
      destinationAccount: 'rZ1fX4',
      facts: { ...NO_FACTS, paymentAmount: 4000, paymentCurrency: 'INR' },
    });
    const failed = mapPayuEvent(decodeForm(payuSampleText('payment.failed')));
    assert.deepEqual(
      [failed.eventId, failed.paymentStatus, failed.amount],
      ['payu:27553387529:failure', 'failed', 200],
    );
  });

  test('an authorised success is authorized; pending says nothing; a form without its identity is refused', () => {
    const form = (text: string) => decodeForm(`mihpayid=1&amount=10.00&${text}`);
    assert.equal(mapPayuEvent(form('status=success&unmappedstatus=auth')).paymentStatus, 'authorized');
    assert.equal(mapPayuEvent(form('status=pending')).paymentStatus, null);
    assert.throws(() => mapPayuEvent(decodeForm('status=success&amount=1.00')), EnvelopeError);
    assert.throws(() => mapPayuEvent(form('status=')), EnvelopeError);
    assert.throws(() => mapPayuEvent(decodeForm('mihpayid=1&status=success&amount=1.005')), EnvelopeError);
  });
});

describe("PhonePe's mapping", () => {
  test('the published callbacks: orderId, state, paise, INR, the merchant', () => {
    const body = fixtureJson('phonepe', 'checkout.order.completed');
    assert.deepEqual(mapPhonepeEvent(body), {
      provider: 'phonepe',
      eventId: 'phonepe:checkout.order.completed:OMO2403282020198641071317:COMPLETED',
      eventType: 'checkout.order.completed',
      paymentId: 'OMO2403282020198641071317',
      paymentStatus: 'captured',
      amount: 10000,
      currency: 'INR',
      sourceAccount: null,
      destinationAccount: 'merchantId',
      facts: { ...NO_FACTS, paymentAmount: 10000, paymentCurrency: 'INR' },
    });
    assert.equal(mapPhonepeEvent(fixtureJson('phonepe', 'checkout.order.failed')).paymentStatus, 'failed');
  });

  test('a refund callback is named by its refund id and states no payment; PENDING says nothing; the older type stands in for event', () => {
    const refund = {
      event: 'pg.refund.failed',
      payload: { originalMerchantOrderId: '', refundId: 'OMRxxxxx', amount: 1234, state: 'FAILED' },
    };
    assert.equal(phonepeEventId(refund), 'phonepe:pg.refund.failed:OMRxxxxx:FAILED');
    const event = mapPhonepeEvent(refund);
    assert.deepEqual([event.paymentId, event.paymentStatus, event.amount], [null, null, 1234]);
    const pending = {
      event: 'checkout.order.completed',
      payload: { orderId: 'OMO1', state: 'PENDING', amount: 1 },
    };
    assert.equal(mapPhonepeEvent(pending).paymentStatus, null);
    const typed = {
      type: 'CHECKOUT_ORDER_COMPLETED',
      payload: { orderId: 'OMO1', state: 'COMPLETED', amount: 1 },
    };
    assert.equal(mapPhonepeEvent(typed).eventType, 'CHECKOUT_ORDER_COMPLETED');
    assert.throws(
      () => mapPhonepeEvent({ event: 'checkout.order.completed', payload: { amount: 1 } }),
      EnvelopeError,
    );
    assert.throws(
      () => mapPhonepeEvent({ event: 'x', payload: { orderId: 'O', amount: 1.5 } }),
      EnvelopeError,
    );
  });
});

describe("Paytm's mapping", () => {
  test('the published responses: TXNID, STATUS, paise, the MID', () => {
    assert.deepEqual(mapPaytmEvent(paytmForm('payment-status.success')), {
      provider: 'paytm',
      eventId: 'paytm:202005081112128XXXXXX68470101509706:TXN_SUCCESS',
      eventType: 'TXN_SUCCESS',
      paymentId: '202005081112128XXXXXX68470101509706',
      paymentStatus: 'captured',
      amount: 100,
      currency: 'INR',
      sourceAccount: null,
      destinationAccount: 'INTEGR7769XXXXXX9383',
      facts: { ...NO_FACTS, paymentAmount: 100, paymentCurrency: 'INR' },
    });
    assert.equal(mapPaytmEvent(paytmForm('payment-status.failure')).paymentStatus, 'failed');
    const pending = new Map([...paytmForm('payment-status.success'), ['STATUS', 'PENDING']]);
    assert.equal(mapPaytmEvent(pending).paymentStatus, null);
    const implicit = new Map([...paytmForm('payment-status.success')].filter(([n]) => n !== 'CURRENCY'));
    assert.equal(mapPaytmEvent(implicit).currency, 'INR', 'INR when the form states none');
  });
});

describe('a stored payload re-read by its definition maps to the event received', () => {
  test('for every published sample of the four gateways', () => {
    const cases = [
      [
        cashfreeDefinition,
        fixtureBytes('cashfree', 'PAYMENT_SUCCESS_WEBHOOK').toString('utf8'),
        'cashfree::abc',
      ],
      [cashfreeDefinition, fixtureBytes('cashfree', 'PAYMENT_FAILED_WEBHOOK').toString('utf8'), 'cf_1'],
      [payuDefinition, payuSampleText('payment.successful'), 'payu:27553369917:success'],
      [payuDefinition, payuSampleText('payment.failed'), 'payu:27553387529:failure'],
      [phonepeDefinition, fixtureBytes('phonepe', 'checkout.order.completed').toString('utf8'), 'p1'],
      [phonepeDefinition, fixtureBytes('phonepe', 'checkout.order.failed').toString('utf8'), 'p2'],
      [paytmDefinition, new URLSearchParams(paytmSampleFields('payment-status.success')).toString(), 't1'],
    ] as const;
    for (const [typed, payload, id] of cases) {
      const definition = typed as ProviderDefinition;
      const provider = definition.create(
        definition.name === 'payu'
          ? { merchantKey: 'k', secrets: ['s'] }
          : { secrets: [definition.name === 'paytm' ? 'kbzk1DSbJiV_O3p5' : 'u:p'] },
      );
      const received = provider.toEvent(provider.parse ? provider.parse(payload) : JSON.parse(payload), {});
      assert.deepEqual(
        definition.readStoredEvent(payload, id),
        { ...received, eventId: id },
        definition.name,
      );
    }
  });
});
