import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SignatureVerdict } from '../webhook-provider.js';

/** The header in which Razorpay sends its signature. */
export const RAZORPAY_SIGNATURE_HEADER = 'x-razorpay-signature';

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** Razorpay's signature of `body`: the lowercase hex HMAC-SHA256 of the raw bytes, keyed with the secret's UTF-8 bytes. */
export function signRazorpay(secret: string | Buffer, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Whether `header` (the `X-Razorpay-Signature` value) is a valid signature of `body` under one of
 * `secrets`. Razorpay signs no timestamp, so replays are stopped by idempotency on the transaction
 * id, not here.
 *
 * The comparison is of the 32 raw digest bytes with `timingSafeEqual`, and every secret is tried
 * without stopping early, so timing says nothing about how much of a guess was right.
 */
export function verifyRazorpay(secrets: readonly Buffer[], body: Buffer, header: string): boolean {
  // Anything but 64 hex digits cannot be a signature; refusing it first keeps the compared buffers equal-length.
  if (!HEX_SHA256.test(header)) return false;
  const offered = Buffer.from(header, 'hex');
  let ok = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(body).digest();
    ok = timingSafeEqual(expected, offered) || ok;
  }
  return ok;
}

/**
 * The verdict on a delivery's `X-Razorpay-Signature` (as Node gives a header: absent, a string, or
 * a list when it was sent more than once): `missing` when absent, `malformed` when it is not one
 * value of 64 hex digits, else {@link verifyRazorpay}'s answer as `ok` or `invalid`.
 */
export function razorpaySignatureVerdict(
  secrets: readonly Buffer[],
  body: Buffer,
  header: string | string[] | undefined,
): SignatureVerdict {
  if (header === undefined) return 'missing';
  if (typeof header !== 'string' || !HEX_SHA256.test(header)) return 'malformed';
  return verifyRazorpay(secrets, body, header) ? 'ok' : 'invalid';
}
