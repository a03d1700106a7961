import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The endpoint Razorpay-signed load goes to. */
export const RAZORPAY_PATH = '/v1/webhooks/razorpay';

/** The webhook secret the bench's services are started with and its Razorpay load is signed with. */
export const BENCH_RAZORPAY_SECRET = 'bench_razorpay_webhook_secret';

/** Payment ids in the pool of signed deliveries that load runs cycle through. */
const POOL_SIZE = 2000;

/** One Razorpay delivery: the body as sent and its `X-Razorpay-Signature`. */
export interface SignedDelivery {
  body: string;
  signature: string;
}

const SAMPLE = new URL('../../test/fixtures/providers/razorpay/payment.captured.card.json', import.meta.url);
const SAMPLE_PAYMENT_ID = 'pay_DESp9bgForNoUd';

/**
 * Razorpay's published `payment.captured` sample, minified as Razorpay's real deliveries are, once
 * per payment id of a pool (so the payment index sees many payments, as in production), each
 * signed as Razorpay signs: the hex HMAC-SHA256 of the body. Razorpay signs the body only, so one
 * delivery sent with a new `X-Razorpay-Event-Id` each time is a new event under the same
 * signature, as a provider's retries and distinct events are.
 */
export function razorpayDeliveries(secret = BENCH_RAZORPAY_SECRET, count = POOL_SIZE): SignedDelivery[] {
  const minified = JSON.stringify(JSON.parse(readFileSync(SAMPLE, 'utf8')));
  if (!minified.includes(SAMPLE_PAYMENT_ID)) throw new Error('the sample no longer names its payment');
  return Array.from({ length: count }, () => {
    const paymentId = `pay_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x').slice(0, 14)}`;
    const body = minified.replaceAll(SAMPLE_PAYMENT_ID, paymentId);
    return { body, signature: createHmac('sha256', secret).update(body).digest('hex') };
  });
}
