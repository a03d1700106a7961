import {
  STANDARD_WEBHOOKS_SECRET_PREFIX,
  standardWebhooksKey,
} from '../../http/signatures/standard-webhooks-signature.js';

/** The smallest signing key the Standard Webhooks spec allows: 24 bytes (192 bits). */
export const FORWARD_KEY_MIN_BYTES = 24;
/** The largest signing key the Standard Webhooks spec allows: 512 bits. */
export const FORWARD_KEY_MAX_BYTES = 64;

const RULE = `must be whsec_ followed by the padded base64 of a ${FORWARD_KEY_MIN_BYTES} to ${FORWARD_KEY_MAX_BYTES} byte key`;

/**
 * Why `secret` cannot sign forwarded deliveries, or null when it can. The receiver decodes the same
 * secret with its own Standard Webhooks library, and some of those decode only padded base64, so
 * padding is required here rather than found missing at the first delivery. The answer never
 * repeats the secret.
 */
export function forwardSecretProblem(secret: string): string | null {
  if (!secret.startsWith(STANDARD_WEBHOOKS_SECRET_PREFIX)) return RULE;
  if ((secret.length - STANDARD_WEBHOOKS_SECRET_PREFIX.length) % 4 !== 0) return RULE;
  let key: Buffer;
  try {
    key = standardWebhooksKey(secret);
  } catch {
    return RULE;
  }
  return key.length < FORWARD_KEY_MIN_BYTES || key.length > FORWARD_KEY_MAX_BYTES ? RULE : null;
}
