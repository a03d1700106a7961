import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { JobQueue } from '../../queue/job-queue.js';
import type { TransactionStore } from '../../store/transaction-store.js';
import { requeueTransaction } from '../../transactions/requeue-transaction.js';
import { toTransactionView } from '../../transactions/transaction-view.js';
import { HttpError } from '../http-errors.js';
import { ErrorBody, RequeueAccepted, TransactionParams, TransactionView } from '../schemas.js';

/** Options of {@link transactionRoutes}. */
export interface TransactionRoutesOptions {
  store: TransactionStore;
  queue: JobQueue;
  /** Authorises read and admin requests (API keys); throws an HttpError to refuse. */
  authorize: (request: FastifyRequest) => Promise<void>;
}

const notFound = () => new HttpError(404, 'Transaction not found');
const security = [{ bearerAuth: [] }];

/** `GET /v1/transactions/{id}` (live status) and `POST /v1/transactions/{id}/retry` (requeue a FAILED one). */
export const transactionRoutes: FastifyPluginAsyncTypebox<TransactionRoutesOptions> = async (
  app,
  { store, queue, authorize },
) => {
  // onRequest, before parsing and validation: a caller without a key learns nothing, not even
  // whether its path or body would have been valid (401 comes before 404, 415 or 422).
  app.addHook('onRequest', authorize);

  app.get(
    '/v1/transactions/:transaction_id',
    {
      schema: {
        summary: "A transaction's live status",
        tags: ['transactions'],
        security,
        params: TransactionParams,
        response: { 200: TransactionView, 401: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const record = await store.get(request.params.transaction_id);
      if (!record) throw notFound();
      return toTransactionView(record);
    },
  );

  app.post(
    '/v1/transactions/:transaction_id/retry',
    {
      schema: {
        summary: 'Requeue a FAILED transaction',
        description:
          'Moves a FAILED transaction back to RECEIVED with attempts reset, and dispatches it. 409 unless FAILED.',
        tags: ['transactions'],
        security,
        params: TransactionParams,
        response: { 202: RequeueAccepted, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const result = await requeueTransaction(store, queue, request.params.transaction_id);
      switch (result.outcome) {
        case 'not-found':
          throw notFound();
        case 'not-failed':
          throw new HttpError(
            409,
            `Only FAILED transactions can be retried; this one is ${result.record.status}`,
          );
        case 'requeued':
          return reply
            .code(202)
            .send({ transaction_id: result.record.transactionId, status: result.record.status });
      }
    },
  );
};
