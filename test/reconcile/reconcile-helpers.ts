import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import Stripe from 'stripe';
import type { ProcessTransaction } from '../../src/handler/process-transaction.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { request } from '../helpers/http-client.js';

/** Stripe's webhook signing secret of the tests (`whsec_…` is the HMAC key as it is). */
export const STRIPE_WEBHOOK_SECRET = 'whsec_cmVjb25jaWxlLXRlc3RzLXN0cmlwZS1zZWNyZXQ';
/** Razorpay's webhook secret of the tests. */
export const RAZORPAY_WEBHOOK_SECRET = 'rzp_reconcile_webhook_secret';
/** A Stripe restricted key, as an operator would configure one. */
export const STRIPE_API_KEY = 'rk_test_51ReconcileKeyVisibleNowhere0000000000000000';
/** Razorpay API credentials. */
export const RAZORPAY_KEY_ID = 'rzp_test_ReconcileKeyId01';
export const RAZORPAY_KEY_SECRET = 'ReconcileKeySecretVisibleNowhere1';
export const API_KEY = 'k_reconcile_tests_9f1c';
export const AUTH = { authorization: `Bearer ${API_KEY}` };

const stripeWebhooks = new Stripe('sk_test_signatures_only').webhooks;

/** POSTs `body` to the Stripe endpoint, signed by Stripe's own library with the tests' secret. */
export const postStripe = (url: string, body: Buffer) =>
  request(url, 'POST', '/v1/webhooks/stripe', {
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'stripe-signature': stripeWebhooks.generateTestHeaderString({
        payload: body.toString('utf8'),
        secret: STRIPE_WEBHOOK_SECRET,
        timestamp: Math.floor(Date.now() / 1000),
      }),
    },
  });

/** POSTs `body` to the Razorpay endpoint under `eventId`, signed as Razorpay signs (hex HMAC-SHA256). */
export const postRazorpay = (url: string, body: Buffer, eventId: string) =>
  request(url, 'POST', '/v1/webhooks/razorpay', {
    body,
    headers: {
      'content-type': 'application/json',
      'x-razorpay-event-id': eventId,
      'x-razorpay-signature': createHmac('sha256', RAZORPAY_WEBHOOK_SECRET).update(body).digest('hex'),
      'user-agent': 'Razorpay-Webhook/v1',
    },
  });

/** A handler that counts its runs per transaction. */
export function countingHandler(): { runs: Map<string, number>; handler: ProcessTransaction } {
  const runs = new Map<string, number>();
  return {
    runs,
    handler: async (transaction) => {
      runs.set(transaction.transactionId, (runs.get(transaction.transactionId) ?? 0) + 1);
    },
  };
}

/** A logger at `debug` whose every line is kept, to search for what must never be logged. */
export function capturedLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger('debug', sink), text: () => lines.join('') };
}

/** Every transaction id the list shows for `query`, following its pages. */
export async function listedIds(url: string, query: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = (await request(
      url,
      'GET',
      `/v1/transactions?${query}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { headers: AUTH },
    )) as { status: number; body: { items: { transaction_id: string }[]; next_cursor: string | null } };
    if (page.status !== 200) throw new Error(`list ${query}: ${page.status} ${JSON.stringify(page.body)}`);
    ids.push(...page.body.items.map((i) => i.transaction_id));
    cursor = page.body.next_cursor;
  } while (cursor);
  return ids;
}
