import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SignatureVerdict } from '../webhook-provider.js';

/** The header in which PhonePe sends its token. */
export const PHONEPE_AUTHORIZATION_HEADER = 'authorization';

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * The token PhonePe sends for a webhook configured with `username` and `password`: the lowercase
 * hex SHA-256 of `username:password` (pg-sdk-node's `CommonUtils.calculateSha256({username,
 * password})`), as 32 raw bytes. `credential` is `username:password` as configured.
 */
export const phonepeToken = (credential: string): Buffer => createHash('sha256').update(credential).digest();

/**
 * The verdict on a delivery's `Authorization` header: `missing` when absent, `malformed` when sent
 * twice or not 64 hex digits, `invalid` when it is the token of no configured credential, else
 * `ok`. Compared as 32 raw bytes with `timingSafeEqual`, every token tried without stopping early
 * (pg-sdk-node's `validateCallback` compares the hex text with `==`).
 *
 * What this proves is the sender, not the body: the token is the same for every delivery and does
 * not depend on the body, so whoever has seen one delivery's headers can send any body with them.
 */
export function phonepeAuthorizationVerdict(
  tokens: readonly Buffer[],
  headers: IncomingHttpHeaders,
): SignatureVerdict {
  const header = headers[PHONEPE_AUTHORIZATION_HEADER];
  if (header === undefined) return 'missing';
  if (typeof header !== 'string' || !HEX_SHA256.test(header)) return 'malformed';
  const offered = Buffer.from(header, 'hex');
  let ok = false;
  for (const token of tokens) ok = timingSafeEqual(token, offered) || ok;
  return ok ? 'ok' : 'invalid';
}
