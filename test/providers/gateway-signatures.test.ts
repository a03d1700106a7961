import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Cashfree, CFEnvironment } from 'cashfree-pg';
import fc from 'fast-check';
import PaytmChecksum from 'paytmchecksum';
import Payu from 'payu-websdk';
import { CommonUtils } from 'pg-sdk-node/dist/common/CommonUtils.js';
import { cashfreeSignatureVerdict, signCashfree } from '../../src/providers/cashfree/cashfree-signature.js';
import type { FormFields } from '../../src/providers/form-fields.js';
import { paytmChecksumText, paytmChecksumVerdict } from '../../src/providers/paytm/paytm-checksum.js';
import { payuHashVerdict, payuReverseHash } from '../../src/providers/payu/payu-hash.js';
import {
  phonepeAuthorizationVerdict,
  phonepeToken,
} from '../../src/providers/phonepe/phonepe-authorization.js';
import { fixtureBytes } from '../helpers/provider-fixtures.js';

/** Field values as gateways send them and worse: spaces, pipes, non-ASCII, empty. */
const value = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', 'a|b', 'Static QR', 'naïve ☃', '40.00', '+', '%', '&='),
);

describe('Cashfree: base64 HMAC-SHA256 of x-webhook-timestamp + raw body (cashfree-pg)', () => {
  const sdk = (secret: string) =>
    new Cashfree(CFEnvironment.SANDBOX, 'client-id', secret, undefined, undefined, undefined, false);
  const body = fixtureBytes('cashfree', 'PAYMENT_SUCCESS_WEBHOOK');

  test("what cashfree-pg's PGVerifyWebhookSignature accepts, the verdict accepts, and only that", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.nat(), (secret, ms) => {
        const timestamp = String(1_700_000_000_000 + ms);
        const signature = signCashfree(secret, timestamp, body);
        sdk(secret).PGVerifyWebhookSignature(signature, body.toString('utf8'), timestamp);
        const keys = [Buffer.from('another-secret'), Buffer.from(secret)];
        const headers = { 'x-webhook-signature': signature, 'x-webhook-timestamp': timestamp };
        assert.equal(cashfreeSignatureVerdict(keys, body, headers), 'ok');
        assert.equal(cashfreeSignatureVerdict(keys.slice(0, 1), body, headers), 'invalid');
        assert.equal(
          cashfreeSignatureVerdict(keys, body, { ...headers, 'x-webhook-timestamp': `${timestamp}1` }),
          'invalid',
        );
      }),
      { numRuns: 200 },
    );
  });

  test('missing, repeated or malformed headers are refused before any HMAC', () => {
    const keys = [Buffer.from('s')];
    const signature = signCashfree('s', '1', body);
    assert.equal(cashfreeSignatureVerdict(keys, body, { 'x-webhook-timestamp': '1' }), 'missing');
    assert.equal(cashfreeSignatureVerdict(keys, body, { 'x-webhook-signature': signature }), 'missing');
    for (const headers of [
      { 'x-webhook-signature': [signature, signature], 'x-webhook-timestamp': '1' },
      { 'x-webhook-signature': signature.slice(0, -2), 'x-webhook-timestamp': '1' },
      { 'x-webhook-signature': Buffer.from(signature, 'base64').toString('hex'), 'x-webhook-timestamp': '1' },
      { 'x-webhook-signature': signature, 'x-webhook-timestamp': '1.5' },
      { 'x-webhook-signature': signature, 'x-webhook-timestamp': '' },
    ]) {
      assert.equal(cashfreeSignatureVerdict(keys, body, headers), 'malformed', JSON.stringify(headers));
    }
    assert.equal(
      cashfreeSignatureVerdict(keys, body, { 'x-webhook-signature': signature, 'x-webhook-timestamp': '1' }),
      'ok',
    );
  });
});

describe("PayU: the reverse SHA-512 hash (payu-websdk's reverseHasher)", () => {
  const fields = fc.record(
    {
      status: fc.constantFrom('success', 'failure', 'pending'),
      txnid: value,
      amount: value,
      productinfo: value,
      firstname: value,
      email: value,
      udf1: value,
      udf2: value,
      udf3: value,
      udf4: value,
      udf5: value,
      additionalCharges: value,
      mihpayid: value,
    },
    { requiredKeys: ['status', 'txnid', 'amount', 'productinfo', 'firstname', 'email'] },
  );

  test('equals generateResponseHash for any fields, with and without additionalCharges', () => {
    fc.assert(
      fc.property(fields, fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (form, key, salt) => {
        const expected = new Payu({ key, salt }, 'TEST').hasher.generateResponseHash({ ...form });
        const map: FormFields = new Map(Object.entries(form));
        assert.equal(payuReverseHash(map, key, salt), expected);
        const signed = new Map([...map, ['hash', expected]]);
        assert.equal(payuHashVerdict(signed, key, ['old-salt', salt]), 'ok');
        assert.equal(payuHashVerdict(signed, key, ['old-salt']), 'invalid');
        assert.equal(payuHashVerdict(signed, `${key}x`, [salt]), 'invalid');
      }),
      { numRuns: 300 },
    );
  });

  test('an upper-case hash verifies; a missing or short one does not', () => {
    const form = new Map([
      ['status', 'success'],
      ['txnid', 't1'],
      ['amount', '10.00'],
    ]);
    const hash = payuReverseHash(form, 'k', 's');
    assert.equal(payuHashVerdict(new Map([...form, ['hash', hash.toUpperCase()]]), 'k', ['s']), 'ok');
    assert.equal(payuHashVerdict(form, 'k', ['s']), 'missing');
    assert.equal(payuHashVerdict(new Map([...form, ['hash', hash.slice(1)]]), 'k', ['s']), 'malformed');
  });
});

describe("Paytm: CHECKSUMHASH (paytmchecksum's generateSignature and verifySignature)", () => {
  const KEY = 'kbzk1DSbJiV_O3p5';
  const names = fc.oneof(
    fc.stringMatching(/^[A-Z_]{1,10}$/),
    fc.constantFrom('TXNID', 'STATUS', 'TXNAMOUNT', 'MID', '9', '10', 'a', 'Z', 'CHECKSUMHASH'),
  );

  test('what generateSignature produces verifies, for any fields (index-like names included); another key or field does not', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(names, value, { minKeys: 1, maxKeys: 8 }), async (params) => {
        const unsigned = Object.fromEntries(Object.entries(params).filter(([n]) => n !== 'CHECKSUMHASH'));
        const checksum = await PaytmChecksum.generateSignature({ ...unsigned }, KEY);
        const form: FormFields = new Map([...Object.entries(unsigned), ['CHECKSUMHASH', checksum]]);
        assert.equal(paytmChecksumVerdict(form, [Buffer.from('AAAAAAAAAAAAAAAA'), Buffer.from(KEY)]), 'ok');
        assert.equal(paytmChecksumVerdict(form, [Buffer.from('AAAAAAAAAAAAAAAA')]), 'invalid');
        const edited = new Map([...form, ['EXTRA', 'x']]);
        assert.equal(paytmChecksumVerdict(edited, [Buffer.from(KEY)]), 'invalid');
        assert.equal(PaytmChecksum.verifySignature({ ...unsigned }, KEY, checksum), true);
      }),
      { numRuns: 200 },
    );
  });

  test("the signed text is the library's: values of the sorted names joined with |", () => {
    const form: FormFields = new Map([
      ['TXNID', 'T1'],
      ['10', 'ten'],
      ['MID', 'M1'],
      ['9', 'nine'],
      ['CHECKSUMHASH', 'x'],
    ]);
    // As in paytmchecksum: names that are array indices come first, in numeric order.
    assert.equal(paytmChecksumText(form), 'nine|ten|M1|T1');
  });

  test('a checksum that is not base64 of whole AES blocks is malformed; none is missing', () => {
    for (const checksum of ['abc', '!!!!', 'YWJj', '']) {
      assert.equal(
        paytmChecksumVerdict(new Map([['CHECKSUMHASH', checksum]]), [Buffer.from(KEY)]),
        'malformed',
        checksum,
      );
    }
    assert.equal(paytmChecksumVerdict(new Map([['TXNID', 'T1']]), [Buffer.from(KEY)]), 'missing');
  });
});

describe("PhonePe: Authorization is the SHA-256 of username:password (pg-sdk-node's CommonUtils)", () => {
  test('the token is calculateSha256({username, password}); any configured pair may match', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_]{5,20}$/),
        fc.string({ minLength: 8, maxLength: 20 }),
        (user, pass) => {
          const authorization = CommonUtils.calculateSha256({ username: user, password: pass });
          assert.ok(CommonUtils.isCallbackValid(user, pass, authorization));
          assert.deepEqual(phonepeToken(`${user}:${pass}`), Buffer.from(authorization, 'hex'));
          const tokens = [phonepeToken('other:pair'), phonepeToken(`${user}:${pass}`)];
          assert.equal(phonepeAuthorizationVerdict(tokens, { authorization }), 'ok');
          assert.equal(
            phonepeAuthorizationVerdict(tokens, { authorization: authorization.toUpperCase() }),
            'ok',
          );
          assert.equal(phonepeAuthorizationVerdict(tokens.slice(0, 1), { authorization }), 'invalid');
        },
      ),
      { numRuns: 200 },
    );
    const tokens = [phonepeToken('u:p')];
    assert.equal(phonepeAuthorizationVerdict(tokens, {}), 'missing');
    assert.equal(phonepeAuthorizationVerdict(tokens, { authorization: 'Basic dTpw' }), 'malformed');
  });
});
