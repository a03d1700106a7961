import type { FastifyRequest } from 'fastify';
import { ConfigError } from '../../config.js';
import { RAZORPAY_SIGNATURE_HEADER, verifyRazorpay } from '../../providers/razorpay/razorpay-signature.js';
import { HttpError } from '../http-errors.js';
import {
  STANDARD_WEBHOOKS_HEADERS,
  STANDARD_WEBHOOKS_SECRET_PREFIX,
  STANDARD_WEBHOOKS_TOLERANCE_SECONDS,
  standardWebhooksKey,
  verifyStandardWebhook,
} from './standard-webhooks-signature.js';

/** Options of {@link buildSenderVerifier}. */
export interface SenderVerifierOptions {
  /** The clock, in milliseconds since the epoch, for the Standard Webhooks tolerance. Default `Date.now`. */
  now?: () => number;
}

/** Verifies one webhook request; throws an {@link HttpError} 401 when its sender cannot be verified. */
export type SenderVerifier = (request: FastifyRequest) => void;

const EMPTY = Buffer.alloc(0);

// A header sent twice arrives joined or as a list; neither is a signature we would ever accept.
const single = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);

/**
 * Builds the `verifySender` check of the webhook route from `WEBHOOK_SECRETS`. Each secret picks its
 * scheme: `whsec_<base64>` is a Standard Webhooks secret (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`), any other value a Razorpay secret (`X-Razorpay-Signature`). A request is
 * admitted when any configured secret verifies it, which is what lets secrets rotate: list the new
 * one next to the old, switch the provider over, then drop the old one.
 *
 * Verification is over `request.rawBody`, the bytes as received; a body the parser never saw
 * (none was sent) is verified as empty. Throws {@link ConfigError} at build time for a `whsec_`
 * secret that is not valid base64, so a typo stops the process instead of refusing every webhook.
 */
export function buildSenderVerifier(
  secrets: readonly string[],
  { now = Date.now }: SenderVerifierOptions = {},
): SenderVerifier {
  if (secrets.length === 0) throw new ConfigError('WEBHOOK_SECRETS', 'must list at least one secret');
  const standardKeys: Buffer[] = [];
  const razorpayKeys: Buffer[] = [];
  for (const secret of secrets) {
    if (secret.startsWith(STANDARD_WEBHOOKS_SECRET_PREFIX)) {
      try {
        standardKeys.push(standardWebhooksKey(secret));
      } catch (error) {
        // The message names the rule, never the secret.
        throw new ConfigError('WEBHOOK_SECRETS', `has an invalid secret: ${(error as Error).message}`);
      }
    } else {
      razorpayKeys.push(Buffer.from(secret, 'utf8'));
    }
  }

  const expected = [
    razorpayKeys.length > 0 ? 'X-Razorpay-Signature' : null,
    standardKeys.length > 0 ? 'webhook-id, webhook-timestamp and webhook-signature' : null,
  ]
    .filter((s) => s !== null)
    .join(', or ');
  const missing = () => new HttpError(401, `Missing webhook signature: send ${expected}`);
  const invalid = (detail = 'Invalid webhook signature') => new HttpError(401, detail);

  return function verifySender(request: FastifyRequest): void {
    const body = request.rawBody ?? EMPTY;
    const headers = request.headers;
    const razorpay = razorpayKeys.length > 0 ? headers[RAZORPAY_SIGNATURE_HEADER] : undefined;
    const standard =
      standardKeys.length > 0 && headers[STANDARD_WEBHOOKS_HEADERS.signature] !== undefined
        ? {
            id: single(headers[STANDARD_WEBHOOKS_HEADERS.id]),
            timestamp: single(headers[STANDARD_WEBHOOKS_HEADERS.timestamp]),
            signature: single(headers[STANDARD_WEBHOOKS_HEADERS.signature]),
          }
        : undefined;
    if (razorpay === undefined && standard === undefined) throw missing();

    const razorpayHeader = single(razorpay);
    if (razorpayHeader !== undefined && verifyRazorpay(razorpayKeys, body, razorpayHeader)) return;
    if (standard) {
      const verdict = verifyStandardWebhook(standardKeys, body, standard, Math.floor(now() / 1000));
      switch (verdict) {
        case 'ok':
          return;
        case 'missing-headers':
          throw missing();
        case 'bad-timestamp':
          throw invalid('Invalid webhook-timestamp: send the Unix time in seconds');
        case 'stale':
          throw invalid(
            `Webhook timestamp is more than ${STANDARD_WEBHOOKS_TOLERANCE_SECONDS / 60} minutes from the server's clock`,
          );
        case 'bad-signature':
          break;
      }
    }
    throw invalid();
  };
}
