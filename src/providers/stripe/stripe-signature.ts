import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SignatureVerdict } from '../webhook-provider.js';

/** The header in which Stripe sends its signature. */
export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';

/** How far a `Stripe-Signature` timestamp may be from the receiver's clock, either way: Stripe's 5 minutes. */
export const STRIPE_TOLERANCE_SECONDS = 300;

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
const SCHEME = /^[A-Za-z0-9]+$/;
// Canonical decimal seconds only: "0161…" or "+161…" would be signed as other text than the
// timestamp they parse to.
const UNIX_SECONDS = /^(?:0|[1-9][0-9]{0,11})$/;
const WHITESPACE = /\s/;

/**
 * Stripe's `v1` signature of `body` sent at `timestamp`: the lowercase hex HMAC-SHA256 of
 * `"<timestamp>.<body>"`, keyed with the secret's UTF-8 bytes as they are. A Stripe secret
 * `whsec_…` is the key itself, prefix included: unlike a Standard Webhooks secret it is not
 * base64-decoded.
 */
export function signStripe(
  secret: string | Buffer,
  timestamp: string | number,
  body: Buffer | string,
): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** A parsed `Stripe-Signature` header. */
export interface StripeSignatureHeader {
  /** `t`, as sent (canonical decimal seconds). */
  timestamp: string;
  /** Every `v1` signature, as its 32 raw bytes. */
  v1: Buffer[];
}

/**
 * Parses `t=<unix>,v1=<hex>[,v1=<hex>…][,v0=<hex>]`: comma-separated `scheme=value` items with
 * one `t` in canonical decimal seconds and at least one `v1` of 64 hex digits. `v0` (Stripe's
 * test-mode signature) and schemes it does not know are skipped. Null for anything else: a
 * missing or repeated `t`, no `v1`, an item that is not `scheme=value`, whitespace (which is also
 * how a header sent twice arrives: joined with `, `).
 */
export function parseStripeSignature(header: string): StripeSignatureHeader | null {
  let timestamp: string | null = null;
  const v1: Buffer[] = [];
  for (const item of header.split(',')) {
    const eq = item.indexOf('=');
    const scheme = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (eq <= 0 || !SCHEME.test(scheme) || value === '' || WHITESPACE.test(value)) return null;
    if (scheme === 't') {
      if (timestamp !== null || !UNIX_SECONDS.test(value)) return null;
      timestamp = value;
    } else if (scheme === 'v1') {
      if (!HEX_SHA256.test(value)) return null;
      v1.push(Buffer.from(value, 'hex'));
    }
  }
  return timestamp === null || v1.length === 0 ? null : { timestamp, v1 };
}

/**
 * The verdict on a delivery's `Stripe-Signature` (as Node gives a header: absent, a string, or a
 * list): `missing` when absent, `malformed` when {@link parseStripeSignature} refuses it, `invalid`
 * when no `v1` in it is the signature of `body` under any of `keys`, `stale` when it is but its
 * timestamp is more than `toleranceSeconds` from `nowSeconds` in either direction (a replayed
 * capture, or a clock far off), else `ok`.
 *
 * Signatures are compared as 32 raw bytes with `timingSafeEqual`, every key against every `v1`
 * without stopping early, so timing says nothing about which one matched or how nearly.
 */
export function verifyStripeSignature(
  keys: readonly Buffer[],
  body: Buffer,
  header: string | string[] | undefined,
  nowSeconds: number,
  toleranceSeconds: number,
): SignatureVerdict {
  if (header === undefined) return 'missing';
  if (typeof header !== 'string') return 'malformed';
  const parsed = parseStripeSignature(header);
  if (!parsed) return 'malformed';
  let ok = false;
  for (const key of keys) {
    const expected = createHmac('sha256', key).update(`${parsed.timestamp}.`).update(body).digest();
    for (const candidate of parsed.v1) ok = timingSafeEqual(expected, candidate) || ok;
  }
  if (!ok) return 'invalid';
  return Math.abs(nowSeconds - Number(parsed.timestamp)) > toleranceSeconds ? 'stale' : 'ok';
}
