import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Provider, ProviderEvent } from '../../domain/provider-event.js';
import type { IngestPipeline } from '../../ingest/ingest-pipeline.js';
import { providerTransaction } from '../../ingest/provider-transaction.js';
import type { ProviderDefinition } from '../../providers/provider-definition.js';
import { enablingVariables, type ProviderRegistry } from '../../providers/provider-registry.js';
import {
  EnvelopeError,
  MalformedBodyError,
  parseSignedJson,
  type SignatureVerdict,
  type WebhookProvider,
} from '../../providers/webhook-provider.js';
import { HttpError } from '../http-errors.js';
import { decodeSignedBody, installRawBodyParser } from '../json-body.js';
import { ErrorBody, WebhookAccepted } from '../schemas.js';

/** Options of {@link providerWebhookRoutes}. */
export interface ProviderWebhookRoutesOptions {
  ingest: IngestPipeline;
  /** Every registered provider: each gets its endpoint, enabled or not. */
  registry: ProviderRegistry;
  /** The enabled providers; every other provider's endpoint refuses all requests, naming its settings. */
  providers: ReadonlyMap<Provider, WebhookProvider>;
  /** Largest accepted body in bytes; larger answers 413. */
  bodyLimit: number;
  /** The clock, in milliseconds since the epoch, for signature tolerances. Default `Date.now`. */
  now?: () => number;
}

const REFUSALS: Record<Exclude<SignatureVerdict, 'ok'>, string> = {
  missing: 'Missing webhook signature',
  malformed: 'Malformed webhook signature',
  stale: 'Webhook signature timestamp is outside the tolerance',
  invalid: 'Invalid webhook signature',
};

const BODY_NAMES = { 'application/json': 'JSON', 'application/x-www-form-urlencoded': 'form' } as const;

/** Runs a provider's step, turning its refusals into the answers they mean. */
function answering<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof EnvelopeError) {
      throw new HttpError(422, [{ loc: error.loc, msg: error.message, type: error.type }]);
    }
    if (error instanceof MalformedBodyError) throw new HttpError(400, error.message);
    throw error;
  }
}

/**
 * `POST /v1/webhooks/<name>` for every registered provider: its own deliveries, exactly as it sends
 * them. Each endpoint is registered in a context of its own, whose body parser accepts only the
 * provider's media type (JSON, or a form for PayU and Paytm) and only collects the bytes: the
 * signature is checked over those bytes before anything is parsed or stored, then the provider
 * parses the text and turns it into one event whose identity is the provider's event id (or one
 * derived from what the event states), and the event is stored once like any webhook (answer 202
 * after the commit; a re-delivery answers 202 with the stored status and is neither stored nor
 * processed again). The stored payload is the body's text as received, byte for byte.
 *
 * Answers: 403 when the provider's settings are not configured (the message names the
 * variables); 415 for another media type or charset; 413 above the body limit; 401 when unsigned,
 * wrongly signed or outside the tolerance; 400 for invalid UTF-8, malformed JSON or a form that
 * cannot be read; 422 when a verified body is not the provider's envelope or lacks its identity.
 * Nothing is stored for any of them.
 */
export const providerWebhookRoutes: FastifyPluginAsyncTypebox<ProviderWebhookRoutesOptions> = async (
  app,
  { ingest, registry, providers, bodyLimit, now = Date.now },
) => {
  for (const definition of registry) {
    // A context per provider: its parser applies to its route only, so a JSON endpoint still
    // answers 415 to a form, and the original endpoint's rules are untouched.
    await app.register(async (scope) => {
      installRawBodyParser(scope, definition.bodyType, bodyLimit);
      route(scope, definition, providers.get(definition.name));
    });
  }

  function route(
    scope: Parameters<FastifyPluginAsyncTypebox>[0],
    definition: ProviderDefinition,
    provider: WebhookProvider | undefined,
  ) {
    const { name, displayName: display } = definition;
    const variables = enablingVariables(definition);
    scope.post(
      `/v1/webhooks/${name}`,
      {
        schema: {
          summary: `Receive ${display}'s own webhook`,
          description:
            `${display}'s event exactly as ${display} delivers it (${BODY_NAMES[definition.bodyType]}), verified with ` +
            `${variables} over the raw bytes before anything is parsed. Stored once under the event's identity; a ` +
            `re-delivery answers 202 and is not processed again. 403 unless ${variables} ${definition.settings.enabledBy.length > 1 ? 'are' : 'is'} set.`,
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
              throw new HttpError(403, `${display} webhooks are not enabled: set ${variables}`);
            },
      },
      provider ? (request, reply) => receive(definition, provider, request, reply) : async () => undefined,
    );
  }

  async function receive(
    definition: ProviderDefinition,
    provider: WebhookProvider,
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    const raw = request.rawBody ?? Buffer.alloc(0);
    const verdict = answering(() => provider.verify(raw, request.headers, Math.floor(now() / 1000)));
    if (verdict !== 'ok') throw new HttpError(401, REFUSALS[verdict]);
    const text = decodeSignedBody(raw, definition.bodyType);
    if (text === undefined)
      throw new HttpError(422, [{ loc: ['body'], msg: 'Field required', type: 'missing' }]);
    const event: ProviderEvent = answering(() =>
      provider.toEvent(provider.parse ? provider.parse(text) : parseSignedJson(text), request.headers),
    );
    const { inserted, record } = await ingest.accept(
      providerTransaction(event, { payload: text, requestId: request.id, receivedAt: new Date() }),
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
