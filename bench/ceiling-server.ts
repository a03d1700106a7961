/**
 * The ceiling: a bare Fastify route that validates the same TypeBox body as the real webhook
 * endpoint and answers the same 202, storing nothing. What the service reaches relative to this is
 * the price of durability (commit before acknowledging) and of everything else it does per request.
 * Run as its own process: `PORT=<port> node dist/bench/ceiling-server.js`.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { WebhookAccepted, WebhookBody } from '../src/http/schemas.js';

const app = Fastify({
  logger: false,
  // The same validator settings as the service, so validation costs the same.
  ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
}).withTypeProvider<TypeBoxTypeProvider>();

app.get('/', async () => ({ status: 'HEALTHY' }));
app.post(
  '/v1/webhooks/transactions',
  { schema: { body: WebhookBody, response: { 202: WebhookAccepted } } },
  async (request, reply) =>
    reply.code(202).send({ accepted: true, transaction_id: request.body.transaction_id, status: 'RECEIVED' }),
);

const port = Number(process.env.PORT ?? 0);
await app.listen({ host: '127.0.0.1', port });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
