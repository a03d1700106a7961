import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import Stripe from 'stripe';
import { standardWebhooksKey } from '../../../src/http/signatures/standard-webhooks-signature.js';
import { STRIPE_SECRETS_VARIABLE, stripeProvider } from '../../../src/providers/stripe/stripe-provider.js';
import {
  parseStripeSignature,
  signStripe,
  verifyStripeSignature,
} from '../../../src/providers/stripe/stripe-signature.js';
import { fixtureBytes, fixtureNames } from '../../helpers/provider-fixtures.js';

// Stripe's signing secrets are `whsec_` and 32 base64url-ish characters; this one is also valid
// base64 after its prefix, so a Standard Webhooks reading of it would yield a key too.
const SECRET = 'whsec_c3RyaXBlLWVuZHBvaW50LXNlY3JldC1jdXJyZW50';
const OLD_SECRET = 'whsec_c3RyaXBlLWVuZHBvaW50LXNlY3JldC1wcmV2aW91cw';
const UNKNOWN_SECRET = 'whsec_c3RyaXBlLWVuZHBvaW50LXNlY3JldC11bmtub3du';

const webhooks = new Stripe('sk_test_signatures_only').webhooks;
const provider = stripeProvider({ secrets: [SECRET] });
const nowSeconds = () => Math.floor(Date.now() / 1000);

const header = (payload: Buffer, secret: string, timestamp: number) =>
  webhooks.generateTestHeaderString({ payload: payload.toString('utf8'), secret, timestamp });

/**
 * Whether stripe-node accepts the delivery at `nowSeconds` with its default tolerance:
 * `constructEvent` (which also parses the event), or for bodies that are not JSON its signature
 * check alone. Both throw when they refuse.
 */
function stripeAccepts(
  payload: Buffer,
  signature: string,
  secret: string,
  nowSeconds: number,
  parse = true,
): boolean {
  const receivedAt = nowSeconds * 1000;
  try {
    if (parse) webhooks.constructEvent(payload, signature, secret, undefined, undefined, receivedAt);
    else webhooks.signature!.verifyHeader(payload, signature, secret, undefined, undefined, receivedAt);
    return true;
  } catch (error) {
    assert.ok(error instanceof Stripe.errors.StripeSignatureVerificationError, String(error));
    return false;
  }
}

describe('Stripe signatures, checked against stripe-node', () => {
  test("a header from stripe-node's generateTestHeaderString verifies every published event, with the whsec_ secret as it is", () => {
    const now = nowSeconds();
    for (const name of fixtureNames('stripe')) {
      const body = fixtureBytes('stripe', name);
      const signature = header(body, SECRET, now);
      assert.equal(provider.verify(body, { 'stripe-signature': signature }, now), 'ok', name);
      assert.equal(stripeAccepts(body, signature, SECRET, now), true, name);
      // Our signature is stripe-node's, byte for byte.
      assert.equal(signature, `t=${now},v1=${signStripe(SECRET, now, body)}`, name);
    }
  });

  test('we agree with constructEvent on fresh, forged, unknown-secret, stale and rotated headers', () => {
    const body = fixtureBytes('stripe', 'payment_intent.succeeded');
    const now = nowSeconds();
    const fresh = header(body, SECRET, now);
    const cases: Record<string, { signature: string; ours: string; stripe: boolean }> = {
      fresh: { signature: fresh, ours: 'ok', stripe: true },
      forged: { signature: `t=${now},v1=${'ab'.repeat(32)}`, ours: 'invalid', stripe: false },
      'other body': {
        signature: header(fixtureBytes('stripe', 'payment_intent.payment_failed'), SECRET, now),
        ours: 'invalid',
        stripe: false,
      },
      'unknown secret': { signature: header(body, UNKNOWN_SECRET, now), ours: 'invalid', stripe: false },
      'ten minutes old': { signature: header(body, SECRET, now - 600), ours: 'stale', stripe: false },
      'timestamp changed': {
        signature: fresh.replace(`t=${now}`, `t=${now - 1}`),
        ours: 'invalid',
        stripe: false,
      },
      'rotation: old and new v1': {
        signature: `t=${now},v1=${signStripe(OLD_SECRET, now, body)},v1=${signStripe(SECRET, now, body)}`,
        ours: 'ok',
        stripe: true,
      },
      'rotation: new v1 first, v0 after': {
        signature: `t=${now},v1=${signStripe(SECRET, now, body)},v1=${signStripe(OLD_SECRET, now, body)},v0=${'00'.repeat(32)}`,
        ours: 'ok',
        stripe: true,
      },
      'only a v0 with the right signature': {
        signature: `t=${now},v0=${signStripe(SECRET, now, body)}`,
        ours: 'malformed',
        stripe: false,
      },
    };
    for (const [name, c] of Object.entries(cases)) {
      assert.equal(provider.verify(body, { 'stripe-signature': c.signature }, now), c.ours, name);
      assert.equal(stripeAccepts(body, c.signature, SECRET, now), c.stripe, name);
    }
  });

  test('during a rotation either configured secret verifies', () => {
    const body = fixtureBytes('stripe', 'charge.succeeded');
    const now = nowSeconds();
    const rotating = stripeProvider({ secrets: [OLD_SECRET, SECRET] });
    for (const secret of [OLD_SECRET, SECRET]) {
      const signature = header(body, secret, now);
      assert.equal(rotating.verify(body, { 'stripe-signature': signature }, now), 'ok');
      assert.equal(stripeAccepts(body, signature, secret, now), true);
    }
    assert.equal(
      rotating.verify(body, { 'stripe-signature': header(body, UNKNOWN_SECRET, now) }, now),
      'invalid',
    );
  });

  test('the scheme follows the endpoint: a Standard Webhooks reading of the whsec_ secret does not verify', () => {
    const body = fixtureBytes('stripe', 'charge.refunded');
    const now = nowSeconds();
    const signature = header(body, SECRET, now);
    const decoded = standardWebhooksKey(SECRET);
    assert.ok(decoded.length > 0);
    assert.equal(verifyStripeSignature([decoded], body, signature, now, 300), 'invalid');
    assert.equal(verifyStripeSignature([Buffer.from(SECRET, 'utf8')], body, signature, now, 300), 'ok');
  });

  test('only the bytes as delivered verify: re-serialising loses Stripe’s whitespace', () => {
    const body = fixtureBytes('stripe', 'charge.refund.updated');
    const now = nowSeconds();
    const signature = header(body, SECRET, now);
    for (const copy of [
      JSON.stringify(JSON.parse(body.toString())),
      JSON.stringify(JSON.parse(body.toString()), null, 2),
    ]) {
      const reserialised = Buffer.from(copy);
      assert.notDeepEqual(reserialised, body);
      assert.equal(provider.verify(reserialised, { 'stripe-signature': signature }, now), 'invalid');
      assert.equal(stripeAccepts(reserialised, signature, SECRET, now), false);
    }
  });

  test('the tolerance applies both ways, up to its edge', () => {
    const body = fixtureBytes('stripe', 'payout.paid');
    const t = 1_700_000_000;
    const signature = header(body, SECRET, t);
    const verdict = (now: number, tolerance = 300) =>
      verifyStripeSignature([Buffer.from(SECRET)], body, signature, now, tolerance);
    assert.equal(verdict(t + 300), 'ok');
    assert.equal(verdict(t - 300), 'ok');
    assert.equal(verdict(t + 301), 'stale');
    // stripe-node accepts timestamps from the future; a signed capture from the future is refused here too.
    assert.equal(verdict(t - 301), 'stale');
    assert.equal(verdict(t + 30, 10), 'stale');
    const tight = stripeProvider({ secrets: [SECRET], toleranceSeconds: 10 });
    assert.equal(tight.verify(body, { 'stripe-signature': signature }, t + 10), 'ok');
    assert.equal(tight.verify(body, { 'stripe-signature': signature }, t + 11), 'stale');
  });

  test('missing, repeated and malformed headers', () => {
    const body = fixtureBytes('stripe', 'payout.paid');
    const now = nowSeconds();
    const good = header(body, SECRET, now);
    const v1 = signStripe(SECRET, now, body);
    assert.equal(provider.verify(body, {}, now), 'missing');
    assert.equal(provider.verify(body, { 'stripe-signature': [good, good] }, now), 'malformed');
    for (const bad of [
      '',
      'garbage',
      `v1=${v1}`,
      `t=${now}`,
      `t=${now},t=${now},v1=${v1}`,
      `t=0${now},v1=${v1}`,
      `t=+${now},v1=${v1}`,
      `t=${now}.0,v1=${v1}`,
      `t=1e9,v1=${v1}`,
      `t=${now},v1=${v1.slice(1)}`,
      `t=${now},v1=${v1}zz`,
      `t=${now}, v1=${v1}`,
      `t=${now},v1=${v1},`,
      `t=${now},=${v1}`,
      `t=${now},v1=`,
      `${good}, ${good}`,
    ]) {
      assert.equal(provider.verify(body, { 'stripe-signature': bad }, now), 'malformed', bad);
    }
    // Unknown schemes are skipped; upper-case hex is still hex.
    assert.equal(
      provider.verify(body, { 'stripe-signature': `t=${now},v2=xyz,v1=${v1.toUpperCase()}` }, now),
      'ok',
    );
  });

  test('we and stripe-node agree on random bodies, secrets and timestamps', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1 }),
        // stripe-node refuses a blank secret outright.
        fc.string({ unit: 'grapheme-ascii', minLength: 1 }).filter((s) => s.trim() !== ''),
        fc.integer({ min: -1000, max: 1000 }),
        fc.boolean(),
        (text, secret, skew, genuine) => {
          const body = Buffer.from(text, 'utf8');
          const now = nowSeconds();
          const signature = header(body, genuine ? secret : `${secret}x`, now - skew);
          const ours = verifyStripeSignature([Buffer.from(secret, 'utf8')], body, signature, now, 300);
          const theirs = stripeAccepts(body, signature, secret, now, false);
          // stripe-node has no limit on timestamps from the future; we have: compare where both apply.
          if (skew >= 0) assert.equal(ours === 'ok', theirs);
          assert.equal(ours === 'ok', genuine && Math.abs(skew) <= 300);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('parseStripeSignature keeps every v1 and skips v0 and unknown schemes', () => {
    const a = 'a'.repeat(64);
    const b = 'B'.repeat(64);
    const parsed = parseStripeSignature(`t=1700000000,v0=${a},v1=${a},scheme2=whatever,v1=${b}`);
    assert.deepEqual(parsed && { timestamp: parsed.timestamp, v1: parsed.v1.map((s) => s.toString('hex')) }, {
      timestamp: '1700000000',
      v1: [a, b.toLowerCase()],
    });
  });

  test('it needs at least one secret, none empty, and a whole non-negative tolerance', () => {
    assert.throws(() => stripeProvider({ secrets: [] }), new RegExp(STRIPE_SECRETS_VARIABLE));
    assert.throws(() => stripeProvider({ secrets: [''] }), /empty secret/);
    assert.throws(() => stripeProvider({ secrets: [SECRET], toleranceSeconds: -1 }), RangeError);
    assert.throws(() => stripeProvider({ secrets: [SECRET], toleranceSeconds: 0.5 }), RangeError);
    assert.equal(provider.name, 'stripe');
    assert.equal(provider.secretsVariable, 'STRIPE_WEBHOOK_SECRETS');
  });
});
