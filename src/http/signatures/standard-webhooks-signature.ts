import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers of the Standard Webhooks scheme (https://www.standardwebhooks.com). */
export const STANDARD_WEBHOOKS_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** How far a `webhook-timestamp` may be from the receiver's clock, either way: 5 minutes, as in the spec. */
export const STANDARD_WEBHOOKS_TOLERANCE_SECONDS = 300;

/** The prefix that marks a Standard Webhooks secret; the rest is the base64 of the HMAC key. */
export const STANDARD_WEBHOOKS_SECRET_PREFIX = 'whsec_';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
// Canonical decimal seconds only: the libraries sign the parsed integer, so "0161..." or "+161..."
// would be signed as different text than the header carries.
const UNIX_SECONDS = /^(?:0|[1-9][0-9]{0,11})$/;

/**
 * The HMAC key of a `whsec_<base64>` secret. Throws when the base64 part is empty or not base64
 * (Node's decoder would otherwise skip bad characters and yield a different key without a word).
 */
export function standardWebhooksKey(secret: string): Buffer {
  const encoded = secret.startsWith(STANDARD_WEBHOOKS_SECRET_PREFIX)
    ? secret.slice(STANDARD_WEBHOOKS_SECRET_PREFIX.length)
    : secret;
  if (encoded.length === 0 || !BASE64.test(encoded)) {
    throw new Error('a whsec_ secret must be whsec_ followed by the base64 of its key');
  }
  return Buffer.from(encoded, 'base64');
}

/** The base64 HMAC-SHA256 of `"<id>.<timestamp>.<body>"`, over the body's bytes as given. */
export function signStandardWebhook(
  key: Buffer,
  id: string,
  timestamp: string,
  body: Buffer | string,
): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

/** The three headers of a Standard Webhooks delivery, as received (absent ones undefined). */
export interface StandardWebhooksHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/** Why a Standard Webhooks delivery was refused, or `ok`. */
export type StandardWebhooksVerdict = 'ok' | 'missing-headers' | 'bad-timestamp' | 'stale' | 'bad-signature';

/**
 * Verifies a Standard Webhooks delivery: `webhook-timestamp` within the tolerance of `nowSeconds`
 * (both directions, against replays of old captures), and one `v1,<base64>` entry of the
 * space-separated `webhook-signature` equal to the HMAC under one of `keys`. Other versions (`v1a`
 * asymmetric signatures) are skipped, as the spec says. Signatures are compared as strings of equal
 * length with `timingSafeEqual`, every key and entry tried without stopping early.
 */
export function verifyStandardWebhook(
  keys: readonly Buffer[],
  body: Buffer,
  headers: StandardWebhooksHeaders,
  nowSeconds: number,
): StandardWebhooksVerdict {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return 'missing-headers';
  if (!UNIX_SECONDS.test(timestamp)) return 'bad-timestamp';
  if (Math.abs(nowSeconds - Number(timestamp)) > STANDARD_WEBHOOKS_TOLERANCE_SECONDS) return 'stale';
  const offered = signature
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3)));
  let ok = false;
  for (const key of keys) {
    const expected = Buffer.from(signStandardWebhook(key, id, timestamp, body));
    for (const candidate of offered) {
      ok = (candidate.length === expected.length && timingSafeEqual(candidate, expected)) || ok;
    }
  }
  return ok ? 'ok' : 'bad-signature';
}
