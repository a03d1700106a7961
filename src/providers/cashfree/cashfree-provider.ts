import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { requireNonEmptyString } from '../envelope-fields.js';
import { derivedEventId } from '../event-identity.js';
import { parseJsonKeepingNumberText } from '../exact-json.js';
import { requireSecrets } from '../provider-secrets.js';
import { EnvelopeError, type WebhookProvider } from '../webhook-provider.js';
import { readCashfreeEnvelope, readCashfreePayment, readCashfreeRefund } from './cashfree-envelope.js';
import { mapCashfreeEvent } from './cashfree-event.js';
import { cashfreeSignatureVerdict } from './cashfree-signature.js';

/** The environment variable that lists Cashfree client secrets (the keys of its webhook signatures). */
export const CASHFREE_SECRETS_VARIABLE = 'CASHFREE_WEBHOOK_SECRETS';

/** The header that names a Cashfree event (webhook version 2025-01-01), the same on every retry. */
export const CASHFREE_IDEMPOTENCY_HEADER = 'x-idempotency-key';

/** A verified Cashfree body: parsed with numbers as their source text, and the text itself. */
export interface CashfreeBody {
  value: unknown;
  text: string;
}

/** Parses a Cashfree body (see {@link CashfreeBody}); throws `MalformedBodyError`. */
export const parseCashfreeBody = (text: string): CashfreeBody => ({
  value: parseJsonKeepingNumberText(text),
  text,
});

/**
 * The identity of a Cashfree delivery. The `x-idempotency-key` header when present (version
 * 2025-01-01 sends it, base64 such as `n9rn7079wqXcse3GEDEXCYle9ajXmU0SUQY8zrUNAlc=`, so it becomes
 * `cashfree::<hex SHA-256>`, see `derivedEventId`); without it, one derived from the envelope, the
 * same on every retry of the event: the type, the payment's `cf_payment_id` and `payment_status`
 * (`cashfree:PAYMENT_SUCCESS_WEBHOOK:1453002795:SUCCESS`), or the refund's `cf_refund_id` and
 * `refund_status`, or for other events the type and the SHA-256 of the body (retries resend the
 * same body). Throws `EnvelopeError` when the header is sent twice or empty, or the body is not the
 * envelope.
 */
export function cashfreeEventId(headers: IncomingHttpHeaders, body: CashfreeBody): string {
  const key = headers[CASHFREE_IDEMPOTENCY_HEADER];
  const loc = ['header', CASHFREE_IDEMPOTENCY_HEADER];
  if (Array.isArray(key)) throw new EnvelopeError(loc, 'Header should be sent once', 'string_type');
  if (key !== undefined) return derivedEventId('cashfree', [requireNonEmptyString(key, loc)]);
  const envelope = readCashfreeEnvelope(body.value);
  const payment = readCashfreePayment(envelope);
  if (payment) return derivedEventId('cashfree', [envelope.type, payment.id, payment.status ?? '']);
  const refund = readCashfreeRefund(envelope);
  if (refund) return derivedEventId('cashfree', [envelope.type, refund.id, refund.status ?? '']);
  return derivedEventId('cashfree', [envelope.type, createHash('sha256').update(body.text).digest('hex')]);
}

/**
 * Cashfree's webhooks (Payment Gateway): `x-webhook-signature` is the base64 HMAC-SHA256 of
 * `x-webhook-timestamp` followed by the raw body (see `cashfreeSignatureVerdict`), with the client
 * secret. Amounts are rupees as JSON decimals, read from their digits: parsing and serialising
 * again would both change the signed bytes and lose `170.50`'s zero. Identity: see
 * {@link cashfreeEventId}; mapping: `mapCashfreeEvent`. Throws a `RangeError` naming
 * {@link CASHFREE_SECRETS_VARIABLE} for no secret or an empty one.
 */
export function cashfreeProvider({ secrets }: { secrets: readonly string[] }): WebhookProvider {
  requireSecrets(secrets, CASHFREE_SECRETS_VARIABLE);
  const keys = secrets.map((s) => Buffer.from(s, 'utf8'));
  return {
    name: 'cashfree',
    secretsVariable: CASHFREE_SECRETS_VARIABLE,
    verify: (body, headers) => cashfreeSignatureVerdict(keys, body, headers),
    parse: parseCashfreeBody,
    toEvent: (body, headers) => {
      const parsed = body as CashfreeBody;
      return mapCashfreeEvent(parsed.value, cashfreeEventId(headers, parsed));
    },
  };
}
