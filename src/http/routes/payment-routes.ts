import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { TransactionStore } from '../../store/transaction-store.js';
import { readPayment, type StoredEventReader, toPaymentView } from '../../transactions/payment-view.js';
import { HttpError } from '../http-errors.js';
import { ErrorBody, PaymentParams, PaymentView } from '../schemas.js';

/** Options of {@link paymentRoutes}. */
export interface PaymentRoutesOptions {
  store: TransactionStore;
  /** Re-reads a stored provider event from its record. */
  readEvent: StoredEventReader;
  /** Authorises read requests (API keys); throws an HttpError to refuse. */
  authorize: (request: FastifyRequest) => Promise<void>;
}

/** `GET /v1/payments/{payment_id}`: a payment's state derived from the provider events received for it. */
export const paymentRoutes: FastifyPluginAsyncTypebox<PaymentRoutesOptions> = async (
  app,
  { store, readEvent, authorize },
) => {
  // As for transactions: a caller without a key learns nothing, not even whether the id is valid.
  app.addHook('onRequest', authorize);

  app.get(
    '/v1/payments/:payment_id',
    {
      schema: {
        summary: "A payment's state, from its events",
        description:
          'Derived from every provider event received for the payment, in whatever order they arrived: its status ' +
          'only moves forward (failed < authorized < captured < partially_refunded < refunded), refunds count by amount.',
        tags: ['payments'],
        security: [{ bearerAuth: [] }],
        params: PaymentParams,
        response: { 200: PaymentView, 401: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const state = await readPayment(store, readEvent, request.params.payment_id);
      if (!state) throw new HttpError(404, 'Payment not found');
      return toPaymentView(state);
    },
  );
};
