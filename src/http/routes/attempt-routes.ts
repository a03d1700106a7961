import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { TransactionStore } from '../../store/transaction-store.js';
import { MAX_LISTED_ATTEMPTS, toAttemptView } from '../../transactions/attempt-view.js';
import { AttemptListSchema } from '../attempt-schemas.js';
import { HttpError } from '../http-errors.js';
import { ErrorBody, TransactionParams } from '../schemas.js';

/** Options of {@link attemptRoutes}. */
export interface AttemptRoutesOptions {
  store: TransactionStore;
  /** Authorises read and admin requests (API keys); throws an HttpError to refuse. */
  authorize: (request: FastifyRequest) => Promise<void>;
}

/** `GET /v1/transactions/{id}/attempts`: every run of the handler for a transaction, oldest first. */
export const attemptRoutes: FastifyPluginAsyncTypebox<AttemptRoutesOptions> = async (
  app,
  { store, authorize },
) => {
  // As for the other transaction routes: 401 before anything else about the request.
  app.addHook('onRequest', authorize);

  app.get(
    '/v1/transactions/:transaction_id/attempts',
    {
      schema: {
        summary: "A transaction's attempts",
        description:
          'Every run of the handler, oldest first: when it started and ended, how long it took, how it ended ' +
          '(succeeded, retrying, failed, interrupted) and why, and for a forwarded delivery what the receiver ' +
          'answered. Numbered on across retries and replays. An attempt still running has no outcome yet.',
        tags: ['transactions'],
        security: [{ bearerAuth: [] }],
        params: TransactionParams,
        response: { 200: AttemptListSchema, 401: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const id = request.params.transaction_id;
      const [record, attempts] = await Promise.all([
        store.get(id),
        store.listAttempts(id, MAX_LISTED_ATTEMPTS),
      ]);
      if (!record) throw new HttpError(404, 'Transaction not found');
      return { items: attempts.map(toAttemptView) };
    },
  );
};
