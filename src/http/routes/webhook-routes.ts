import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { IngestPipeline } from '../../ingest/ingest-pipeline.js';
import { fieldError } from '../http-errors.js';
import { ErrorBody, WebhookAccepted, WebhookBody } from '../schemas.js';

/** Options of {@link webhookRoutes}. */
export interface WebhookRoutesOptions {
  ingest: IngestPipeline;
  /**
   * Runs before anything is stored; throws an HttpError (401) when the sender cannot be verified.
   * Absent when no webhook secrets are configured.
   */
  verifySender?: (request: FastifyRequest) => void;
}

/** Headers in which providers send their delivery id, in order of preference. */
const DELIVERY_ID_HEADERS = ['x-razorpay-event-id', 'webhook-id'] as const;
const DELIVERY_ID = /^[\x21-\x7e]{1,255}$/;

function deliveryIdOf(request: FastifyRequest): string | null {
  for (const name of DELIVERY_ID_HEADERS) {
    const value = request.headers[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !DELIVERY_ID.test(value)) {
      throw fieldError(['header', name], 'Header should be 1-255 visible ASCII characters', 'value_error');
    }
    return value;
  }
  return null;
}

/** Most significant digits an amount may have: any decimal that short survives a double exactly. */
const MAX_AMOUNT_DIGITS = 15;

/** A decimal as its significant digits (no leading or trailing zeros) and the power of ten of the last. */
function decimalParts(text: string): { digits: string; exponent: number } | null {
  const match = /^-?([0-9]+)(?:\.([0-9]+))?(?:[eE]([-+]?[0-9]+))?$/.exec(text);
  if (!match) return null;
  const fraction = match[2] ?? '';
  let digits = `${match[1]}${fraction}`.replace(/^0+/, '');
  let exponent = Number(match[3] ?? 0) - fraction.length;
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  return { digits, exponent };
}

/**
 * Whether `amount` is exactly the decimal that was sent, with at most {@link MAX_AMOUNT_DIGITS}
 * significant digits. Judged on the number's source text when the parser kept it: a double cannot
 * tell `0.1` from `0.10000000000000001`, and the second must not be stored as the first. The
 * shortest text of the parsed double must name the same decimal as the text sent, which also
 * refuses values that only subnormal doubles approximate.
 */
function isExactAmount(amount: number, sent: string | undefined): boolean {
  if (!Number.isFinite(amount)) return false;
  if (sent === undefined) return Number(amount.toPrecision(MAX_AMOUNT_DIGITS)) === amount;
  // The common case, without regular expressions: sent as the shortest text of its double (`1500`,
  // `1500.5`), and no longer than the digit limit even counting sign and point.
  if (sent.length <= MAX_AMOUNT_DIGITS && sent === String(amount)) return true;
  const asSent = decimalParts(sent);
  const asStored = decimalParts(String(amount));
  return (
    asSent !== null &&
    asStored !== null &&
    asSent.digits.length <= MAX_AMOUNT_DIGITS &&
    asSent.digits === asStored.digits &&
    asSent.exponent === asStored.exponent
  );
}

/** `POST /v1/webhooks/transactions`: store once, enqueue, answer 202 after the commit. */
export const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRoutesOptions> = async (
  app,
  { ingest, verifySender },
) => {
  app.post(
    '/v1/webhooks/transactions',
    {
      schema: {
        summary: 'Receive a transaction webhook',
        description:
          'Validates, stores exactly once (first delivery wins) and enqueues for processing. Answers 202 with the ' +
          "stored record's current status once it is committed; a repeated delivery answers 202 with the existing status.",
        tags: ['webhooks'],
        body: WebhookBody,
        response: {
          202: WebhookAccepted,
          400: ErrorBody,
          401: ErrorBody,
          413: ErrorBody,
          415: ErrorBody,
          422: ErrorBody,
        },
      },
      preValidation: verifySender ? async (request) => verifySender(request) : undefined,
    },
    async (request, reply) => {
      const body = request.body;
      if (!isExactAmount(body.amount, request.bodyNumberText?.get('amount'))) {
        throw fieldError(
          ['body', 'amount'],
          'Input should have at most 15 significant digits',
          'decimal_max_digits',
        );
      }
      const deliveryId = deliveryIdOf(request);
      const { inserted, record } = await ingest.accept({
        transactionId: body.transaction_id,
        sourceAccount: body.source_account,
        destinationAccount: body.destination_account,
        amount: body.amount,
        currency: body.currency,
        provider: null,
        eventType: null,
        paymentId: null,
        paymentStatus: null,
        payload: request.rawText ?? JSON.stringify(body),
        deliveryId,
        requestId: request.id,
        receivedAt: new Date(),
      });
      request.log.debug(
        { transactionId: record.transactionId, inserted },
        inserted ? 'webhook stored' : 'duplicate webhook',
      );
      return reply
        .code(202)
        .send({ accepted: true, transaction_id: record.transactionId, status: record.status });
    },
  );
};
