import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import Razorpay from 'razorpay';
import { mapRazorpayEvent } from '../../../src/providers/razorpay/razorpay-event.js';
import {
  RAZORPAY_EVENT_ID_HEADER,
  RAZORPAY_SECRETS_VARIABLE,
  razorpayProvider,
} from '../../../src/providers/razorpay/razorpay-provider.js';
import { signRazorpay } from '../../../src/providers/razorpay/razorpay-signature.js';
import { EnvelopeError } from '../../../src/providers/webhook-provider.js';
import { fixtureBytes, fixtureNames } from '../../helpers/provider-fixtures.js';

const SECRET = 'rzp-webhook-secret-current';
const OLD_SECRET = 'rzp-webhook-secret-previous';
const NOW = 1_700_000_000;

const provider = razorpayProvider({ secrets: [OLD_SECRET, SECRET] });

const signed = (body: Buffer, secret = SECRET) => ({
  'content-type': 'application/json',
  'x-razorpay-signature': signRazorpay(secret, body),
  [RAZORPAY_EVENT_ID_HEADER]: 'K1pB9yTSEqL4mZ',
});

describe('Razorpay signatures, checked against the Razorpay SDK', () => {
  test("every published sample signed by us verifies with Razorpay's validateWebhookSignature and with us", () => {
    for (const name of fixtureNames('razorpay')) {
      const body = fixtureBytes('razorpay', name);
      const signature = signRazorpay(SECRET, body);
      assert.equal(Razorpay.validateWebhookSignature(body.toString('utf8'), signature, SECRET), true, name);
      assert.equal(provider.verify(body, signed(body), NOW), 'ok', name);
    }
  });

  test('we and the SDK agree on any body, secret (as UTF-8) and offered signature', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1 }),
        fc.string({ unit: 'grapheme', minLength: 1 }),
        fc.boolean(),
        fc.stringMatching(/^[0-9a-f]{64}$/),
        (text, secret, genuine, guess) => {
          const body = Buffer.from(text, 'utf8');
          const signature = genuine ? signRazorpay(Buffer.from(secret, 'utf8'), body) : guess;
          const sdk = Razorpay.validateWebhookSignature(text, signature, secret);
          const ours = razorpayProvider({ secrets: [secret] }).verify(
            body,
            { 'x-razorpay-signature': signature },
            NOW,
          );
          assert.equal(ours, sdk ? 'ok' : 'invalid');
          if (genuine) assert.equal(ours, 'ok');
        },
      ),
    );
  });

  test('both secrets of a rotation verify, another does not', () => {
    const body = fixtureBytes('razorpay', 'payment.captured.card');
    assert.equal(provider.verify(body, signed(body, OLD_SECRET), NOW), 'ok');
    assert.equal(provider.verify(body, signed(body, SECRET), NOW), 'ok');
    assert.equal(provider.verify(body, signed(body, 'rzp-webhook-secret-unknown'), NOW), 'invalid');
    assert.equal(
      Razorpay.validateWebhookSignature(body.toString(), signRazorpay('other', body), SECRET),
      false,
    );
  });

  test('only the bytes as received verify: not a re-serialised body, not another body', () => {
    const body = fixtureBytes('razorpay', 'refund.processed');
    const headers = signed(body);
    const minified = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))));
    assert.equal(provider.verify(minified, headers, NOW), 'invalid');
    assert.equal(
      provider.verify(Buffer.from(body.toString().replace('50000', '50001')), headers, NOW),
      'invalid',
    );
    assert.equal(provider.verify(body.subarray(0, body.length - 1), headers, NOW), 'invalid');
  });

  test('missing, repeated and malformed signature headers', () => {
    const body = fixtureBytes('razorpay', 'payment.captured.card');
    const signature = signRazorpay(SECRET, body);
    assert.equal(provider.verify(body, {}, NOW), 'missing');
    assert.equal(provider.verify(body, { 'x-razorpay-signature': [signature, signature] }, NOW), 'malformed');
    for (const bad of [
      '',
      'sdfafds',
      signature.slice(1),
      `${signature}0`,
      ` ${signature}`,
      `${signature}, ${signature}`,
    ]) {
      assert.equal(provider.verify(body, { 'x-razorpay-signature': bad }, NOW), 'malformed', bad);
    }
    assert.equal(provider.verify(body, { 'x-razorpay-signature': signature.toUpperCase() }, NOW), 'ok');
  });

  test('Razorpay signs no timestamp: the clock does not matter', () => {
    const body = fixtureBytes('razorpay', 'payment.captured.card');
    assert.equal(provider.verify(body, signed(body), 0), 'ok');
    assert.equal(provider.verify(body, signed(body), NOW * 10), 'ok');
  });

  test('it needs at least one secret, and no empty one', () => {
    assert.throws(() => razorpayProvider({ secrets: [] }), new RegExp(RAZORPAY_SECRETS_VARIABLE));
    assert.throws(() => razorpayProvider({ secrets: [SECRET, ''] }), /empty secret/);
    assert.equal(provider.name, 'razorpay');
    assert.equal(provider.secretsVariable, 'RAZORPAY_WEBHOOK_SECRETS');
  });
});

describe('Razorpay event identity', () => {
  const body = JSON.parse(fixtureBytes('razorpay', 'payment.captured.card').toString('utf8'));
  const idError = (headers: Record<string, string | string[]>, type: string) =>
    assert.throws(
      () => provider.toEvent(body, headers),
      (error: unknown) =>
        error instanceof EnvelopeError &&
        error.type === type &&
        error.loc.join('.') === `header.${RAZORPAY_EVENT_ID_HEADER}`,
    );

  test('the X-Razorpay-Event-Id header is the event id, and the mapping is mapRazorpayEvent', () => {
    const event = provider.toEvent(body, { [RAZORPAY_EVENT_ID_HEADER]: 'K1pB9yTSEqL4mZ' });
    assert.deepEqual(event, mapRazorpayEvent(body, 'K1pB9yTSEqL4mZ'));
    assert.equal(event.eventId, 'K1pB9yTSEqL4mZ');
    assert.equal(event.paymentId, 'pay_DESp9bgForNoUd');
  });

  test('absent, sent twice, or not usable as a transaction id: refused', () => {
    idError({}, 'missing');
    idError({ [RAZORPAY_EVENT_ID_HEADER]: ['K1pB9yTSEqL4mZ', 'K1pB9yTSEqL4mZ'] }, 'string_type');
    // Node joins a repeated header with ", ".
    idError({ [RAZORPAY_EVENT_ID_HEADER]: 'K1pB9yTSEqL4mZ, K1pB9yTSEqL4mZ' }, 'string_pattern_mismatch');
    idError({ [RAZORPAY_EVENT_ID_HEADER]: '' }, 'string_pattern_mismatch');
    idError({ [RAZORPAY_EVENT_ID_HEADER]: 'evt/../../etc' }, 'string_pattern_mismatch');
    idError({ [RAZORPAY_EVENT_ID_HEADER]: 'e'.repeat(129) }, 'string_pattern_mismatch');
    assert.equal(provider.toEvent(body, { [RAZORPAY_EVENT_ID_HEADER]: 'e'.repeat(128) }).eventId.length, 128);
  });

  test('a body that is not the envelope is refused even with a good id', () => {
    assert.throws(
      () => provider.toEvent([body], { [RAZORPAY_EVENT_ID_HEADER]: 'K1pB9yTSEqL4mZ' }),
      (error: unknown) => error instanceof EnvelopeError && error.loc.join('.') === 'body',
    );
  });
});
