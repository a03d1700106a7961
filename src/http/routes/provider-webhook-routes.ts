import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROVIDER_SECRETS_VARIABLES } from '../../config.js';
import { PROVIDERS, type Provider } from '../../domain/provider-event.js';
import type { IngestPipeline } from '../../ingest/ingest-pipeline.js';
import { providerTransaction } from '../../ingest/provider-transaction.js';
import {
  EnvelopeError,
  type SignatureVerdict,
  type WebhookProvider,
} from '../../providers/webhook-provider.js';
import { HttpError } from '../http-errors.js';
import { decodeSignedJsonBody, installRawJsonBodyParser } from '../json-body.js';
import { ErrorBody, WebhookAccepted } from '../schemas.js';

/** Options of {@link providerWebhookRoutes}. */
export interface ProviderWebhookRoutesOptions {
  ingest: IngestPipeline;
  /** The enabled providers; every other provider's endpoint refuses all requests, naming its setting. */
  providers: ReadonlyMap<Provider, WebhookProvider>;
  /** Largest accepted body in bytes; larger answers 413. */
  bodyLimit: number;
  /** The clock, in milliseconds since the epoch, for signature tolerances. Default `Date.now`. */
  now?: () => number;
}

const DISPLAY_NAMES: Record<Provider, string> = { razorpay: 'Razorpay', stripe: 'Stripe' };

const REFUSALS: Record<Exclude<SignatureVerdict, 'ok'>, string> = {
  missing: 'Missing webhook signature',
  malformed: 'Malformed webhook signature',
  stale: 'Webhook signature timestamp is outside the tolerance',
  invalid: 'Invalid webhook signature',
};

/**
 * `POST /v1/webhooks/razorpay` and `POST /v1/webhooks/stripe`: a provider's own deliveries, exactly
 * as it sends them. Registered in a context of its own, whose body parser only collects the bytes:
 * the signature is checked over those bytes before anything is parsed or stored, then the body is
 * parsed as the provider's own JSON (see `decodeSignedJsonBody`), the provider adapter turns it
 * into one event whose identity is the provider's event id, and the event is
 * stored once like any webhook (answer 202 after the commit; a re-delivery answers 202 with the
 * stored status and is neither stored nor processed again).
 *
 * Answers: 403 when the provider's secrets are not configured (the message names the variable);
 * 415 for a body that is not UTF-8 JSON; 413 above the body limit; 401 when unsigned, wrongly
 * signed or outside the tolerance; 400 for malformed JSON; 422 when a verified body is not the
 * provider's envelope or lacks its identity. Nothing is stored for any of them.
 */
export const providerWebhookRoutes: FastifyPluginAsyncTypebox<ProviderWebhookRoutesOptions> = async (
  app,
  { ingest, providers, bodyLimit, now = Date.now },
) => {
  // This plugin's own context: the parser applies to these routes only.
  installRawJsonBodyParser(app, bodyLimit);

  for (const name of PROVIDERS) {
    const provider = providers.get(name);
    const display = DISPLAY_NAMES[name];
    const variable = PROVIDER_SECRETS_VARIABLES[name];
    app.post(
      `/v1/webhooks/${name}`,
      {
        schema: {
          summary: `Receive ${display}'s own webhook`,
          description:
            `${display}'s event exactly as ${display} delivers it, verified with ${variable} over the raw bytes ` +
            "before anything is parsed. Stored once under the provider's event id; a re-delivery answers 202 " +
            `and is not processed again. 403 unless ${variable} is set.`,
          tags: ['webhooks'],
          response: {
            202: WebhookAccepted,
            400: ErrorBody,
            401: ErrorBody,
            403: ErrorBody,
            413: ErrorBody,
            415: ErrorBody,
            422: ErrorBody,
          },
        },
        // Before the body is read: a disabled endpoint spends nothing on a request.
        onRequest: provider
          ? undefined
          : async () => {
              throw new HttpError(403, `${display} webhooks are not enabled: set ${variable}`);
            },
      },
      provider ? (request, reply) => receive(provider, request, reply) : async () => undefined,
    );
  }

  async function receive(provider: WebhookProvider, request: FastifyRequest, reply: FastifyReply) {
    const raw = request.rawBody ?? Buffer.alloc(0);
    const verdict = provider.verify(raw, request.headers, Math.floor(now() / 1000));
    if (verdict !== 'ok') throw new HttpError(401, REFUSALS[verdict]);
    const decoded = decodeSignedJsonBody(raw);
    if (!decoded) throw new HttpError(422, [{ loc: ['body'], msg: 'Field required', type: 'missing' }]);
    let event: ReturnType<WebhookProvider['toEvent']>;
    try {
      event = provider.toEvent(decoded.value, request.headers);
    } catch (error) {
      if (!(error instanceof EnvelopeError)) throw error;
      throw new HttpError(422, [{ loc: error.loc, msg: error.message, type: error.type }]);
    }
    const { inserted, record } = await ingest.accept(
      providerTransaction(event, { payload: decoded.text, requestId: request.id, receivedAt: new Date() }),
    );
    if (!inserted && record.provider !== event.provider) {
      // Event ids are random per provider, so this is a collision with another source's id, not a
      // re-delivery; the first record stands, as for any repeated id, and the operator should know.
      request.log.warn(
        { transactionId: record.transactionId, provider: event.provider, storedProvider: record.provider },
        'an event id already names a transaction from another source',
      );
    }
    request.log.debug(
      { transactionId: record.transactionId, provider: event.provider, inserted },
      inserted ? 'provider event stored' : 'duplicate provider event',
    );
    return reply
      .code(202)
      .send({ accepted: true, transaction_id: record.transactionId, status: record.status });
  }
};
