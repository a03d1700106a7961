import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SignatureVerdict } from '../webhook-provider.js';

/** The header in which Cashfree sends its signature. */
export const CASHFREE_SIGNATURE_HEADER = 'x-webhook-signature';

/** The header that carries the timestamp Cashfree signs with the body. */
export const CASHFREE_TIMESTAMP_HEADER = 'x-webhook-timestamp';

// 32 bytes in standard base64, padded, as Cashfree sends them.
const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;
// Milliseconds since the epoch as Cashfree writes them (`1746427759733`); the text is what is signed.
const TIMESTAMP = /^[0-9]{1,20}$/;

/**
 * Cashfree's signature of `body` sent at `timestamp`: the base64 HMAC-SHA256 of the timestamp's
 * text followed by the raw body, with no separator, keyed with the client secret's UTF-8 bytes
 * (cashfree-pg's `PGVerifyWebhookSignature`: `createHmac('sha256', secret).update(timestamp +
 * rawBody).digest('base64')`).
 */
export function signCashfree(secret: string | Buffer, timestamp: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(timestamp).update(body).digest('base64');
}

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? null : value);

/**
 * The verdict on a delivery's `x-webhook-signature` and `x-webhook-timestamp`: `missing` when
 * either is absent, `malformed` when either is sent twice or the signature is not 32 bytes of
 * base64 or the timestamp not digits, `invalid` when no key produces it, else `ok`.
 *
 * The timestamp is signed but its age is not judged: Cashfree's SDK does not, its retries (at 2,
 * 10 and 30 minutes by default) carry it, and a replayed capture finds the record of the event it
 * carries. Signatures are compared as 32 raw bytes with `timingSafeEqual`, every key tried
 * without stopping early (cashfree-pg compares the base64 text with `===`).
 */
export function cashfreeSignatureVerdict(
  keys: readonly Buffer[],
  body: Buffer,
  headers: IncomingHttpHeaders,
): SignatureVerdict {
  const signature = single(headers[CASHFREE_SIGNATURE_HEADER]);
  const timestamp = single(headers[CASHFREE_TIMESTAMP_HEADER]);
  if (signature === undefined || timestamp === undefined) return 'missing';
  if (signature === null || timestamp === null) return 'malformed';
  if (!BASE64_SHA256.test(signature) || !TIMESTAMP.test(timestamp)) return 'malformed';
  const offered = Buffer.from(signature, 'base64');
  let ok = false;
  for (const key of keys) {
    const expected = createHmac('sha256', key).update(timestamp).update(body).digest();
    ok = timingSafeEqual(expected, offered) || ok;
  }
  return ok ? 'ok' : 'invalid';
}
