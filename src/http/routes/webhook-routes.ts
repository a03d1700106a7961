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

/** Doubles keep any decimal of at most 15 significant digits exactly; more could drift. */
const fitsFifteenDigits = (amount: number) => Number(amount.toPrecision(15)) === amount;

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
      if (!fitsFifteenDigits(body.amount)) {
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
        payload: request.rawBody ? request.rawBody.toString('utf8') : JSON.stringify(body),
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
