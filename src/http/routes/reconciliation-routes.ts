import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { readReconciliation } from '../../reconcile/reconciliation-view.js';
import type { TransactionStore } from '../../store/transaction-store.js';
import { ReconciliationViewSchema } from '../reconciliation-schemas.js';
import { ErrorBody } from '../schemas.js';

/** Options of {@link reconciliationRoutes}. */
export interface ReconciliationRoutesOptions {
  store: TransactionStore;
  /** Authorises read requests (API keys); throws an HttpError to refuse. */
  authorize: (request: FastifyRequest) => Promise<void>;
}

/** `GET /v1/reconciliation`: each provider's latest reconciliation run and the payments found wrong. */
export const reconciliationRoutes: FastifyPluginAsyncTypebox<ReconciliationRoutesOptions> = async (
  app,
  { store, authorize },
) => {
  app.addHook('onRequest', authorize);
  app.get(
    '/v1/reconciliation',
    {
      schema: {
        summary: 'Reconciliation with the providers: the latest runs and the mismatches',
        description:
          "Stripe: each run lists the events Stripe holds and stores those whose webhook never arrived. Razorpay: each run lists the lookback's payments and compares each one's state at Razorpay with the state derived from the stored events. Runs happen in worker processes every RECONCILE_INTERVAL_SECONDS when the provider's API credentials are set.",
        tags: ['operators'],
        security: [{ bearerAuth: [] }],
        response: { 200: ReconciliationViewSchema, 401: ErrorBody },
      },
    },
    async () => readReconciliation(store),
  );
};
