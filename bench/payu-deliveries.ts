import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Payu from 'payu-websdk';

/** The endpoint PayU-signed load goes to. */
export const PAYU_PATH = '/v1/webhooks/payu';

/** The merchant key of PayU's published success sample; the bench's services are started with it. */
export const BENCH_PAYU_KEY = 'rZ1fX4';

/** The merchant salt the bench's services are started with and its PayU load is hashed with. */
export const BENCH_PAYU_SALT = 'bench_payu_merchant_salt';

const SAMPLE = new URL('../../test/fixtures/providers/payu/payment.successful.txt', import.meta.url);

/**
 * PayU-hashed deliveries of its published "Payment Successful" form (its printed lines joined, as
 * it travels), each about a new payment: `mihpayid` is a new 18-digit id (PayU's are numeric) and
 * the `hash` field is payu-websdk's `generateResponseHash` of the fields with the bench's key and
 * salt. PayU sends no event id: the identity is `mihpayid` and `status`, so each form is a new
 * event. About 1.5 KB, `application/x-www-form-urlencoded`.
 */
export function payuDeliveries(): () => string {
  const printed = readFileSync(SAMPLE, 'utf8');
  const form = printed.slice(0, -1).replaceAll('\n&', '&');
  const [head, tail] = form.split(/(?<=^mihpayid=)\d+/);
  if (head === undefined || tail === undefined) throw new Error('the sample no longer starts with mihpayid');
  const hasher = new Payu({ key: BENCH_PAYU_KEY, salt: BENCH_PAYU_SALT }, 'TEST').hasher;
  let counter = randomInt(0, 1_000_000);
  return () => {
    const mihpayid = `${Date.now()}${String(counter++ % 1_000_000).padStart(6, '0')}`.slice(0, 18);
    const unsigned = `${head}${mihpayid}${tail}`;
    const { hash: _, ...fields } = Object.fromEntries(new URLSearchParams(unsigned));
    return unsigned.replace(/&hash=[0-9a-f]+/, `&hash=${hasher.generateResponseHash(fields)}`);
  };
}
