import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Health } from '../schemas.js';

/** `GET /`: the original service's health check. */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    { schema: { summary: 'Health check', tags: ['health'], response: { 200: Health } } },
    async () => ({ status: 'HEALTHY' as const, current_time: new Date().toISOString() }),
  );
};
