import { createHmac, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The endpoint Razorpay-signed load goes to. */
export const RAZORPAY_PATH = '/v1/webhooks/razorpay';

/** The webhook secret the bench's services are started with and its Razorpay load is signed with. */
export const BENCH_RAZORPAY_SECRET = 'bench_razorpay_webhook_secret';

/** One Razorpay delivery: the body as sent and its `X-Razorpay-Signature`. */
export interface SignedDelivery {
  body: string;
  signature: string;
}

const SAMPLE = new URL('../../test/fixtures/providers/razorpay/payment.captured.card.json', import.meta.url);
const SAMPLE_PAYMENT_ID = 'pay_DESp9bgForNoUd';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Payment ids shaped like Razorpay's: 14 base-62 characters that grow with time (its published
 * samples run from `pay_6X6j…` in 2014 through `pay_DESp…` and `pay_FPoJ…` to `pay_Qfld…` in
 * 2025), so a busy account's new payments land next to each other in an index. Here: the
 * milliseconds since the epoch, a counter and a random tail.
 */
function razorpayPaymentIds(): () => string {
  let counter = randomInt(0, 62 ** 2);
  return () => {
    let n =
      BigInt(Date.now()) * 62n ** 5n +
      BigInt(counter++ % 62 ** 2) * 62n ** 3n +
      BigInt(randomInt(0, 62 ** 3));
    let id = '';
    for (let i = 0; i < 14; i++) {
      id = BASE62[Number(n % 62n)]! + id;
      n /= 62n;
    }
    return `pay_${id}`;
  };
}

/**
 * Razorpay-signed deliveries of its published `payment.captured` sample, minified as Razorpay's
 * real deliveries are, each about a new payment (a Razorpay-shaped id), each signed as Razorpay
 * signs: the hex HMAC-SHA256 of the body. Razorpay signs the body only: the caller sends each under
 * a new `X-Razorpay-Event-Id`.
 */
export function razorpayDeliveries(secret = BENCH_RAZORPAY_SECRET): () => SignedDelivery {
  const minified = JSON.stringify(JSON.parse(readFileSync(SAMPLE, 'utf8')));
  if (!minified.includes(SAMPLE_PAYMENT_ID)) throw new Error('the sample no longer names its payment');
  const nextPaymentId = razorpayPaymentIds();
  return () => {
    const body = minified.replaceAll(SAMPLE_PAYMENT_ID, nextPaymentId());
    return { body, signature: createHmac('sha256', secret).update(body).digest('hex') };
  };
}

/**
 * `count` deliveries made in advance, for a load generator that cannot sign (wrk cycles through
 * them): the payments repeat every `count` events.
 */
export const razorpayDeliveryPool = (count: number, secret = BENCH_RAZORPAY_SECRET): SignedDelivery[] =>
  Array.from({ length: count }, razorpayDeliveries(secret));
