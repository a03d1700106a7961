import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { ReplayableStatus, ReplaySelection } from '../../domain/replay.js';
import type { JobQueue } from '../../queue/job-queue.js';
import type { TransactionStore } from '../../store/transaction-store.js';
import { replayMatching } from '../../transactions/replay-matching.js';
import { notReplayableReason, replayTransaction } from '../../transactions/replay-transaction.js';
import { bulkSelection } from '../bulk-selection.js';
import { HttpError } from '../http-errors.js';
import { ReplayAccepted, ReplayMatched, ReplayReplayed, replayBody } from '../replay-schemas.js';
import { ErrorBody, TransactionParams } from '../schemas.js';

/** Options of {@link replayRoutes}. */
export interface ReplayRoutesOptions {
  store: TransactionStore;
  queue: JobQueue;
  /** Authorises read and admin requests (API keys); throws an HttpError to refuse. */
  authorize: (request: FastifyRequest) => Promise<void>;
  /** The registered providers' names: the values of the provider filter. */
  providers: readonly string[];
}

const security = [{ bearerAuth: [] }];

/**
 * Replay: `POST /v1/transactions/{id}/replay` sends one PROCESSED or FAILED transaction through the
 * handler again; `POST /v1/transactions/replay` does so for every match of a filter, or named ids.
 */
export const replayRoutes: FastifyPluginAsyncTypebox<ReplayRoutesOptions> = async (
  app,
  { store, queue, authorize, providers },
) => {
  app.addHook('onRequest', authorize);

  app.post(
    '/v1/transactions/:transaction_id/replay',
    {
      schema: {
        summary: 'Replay a PROCESSED or FAILED transaction',
        description:
          'Back to RECEIVED with its retry budget afresh, and dispatched: it runs through the handler again. A ' +
          'forwarded replay carries the same webhook-id as the first delivery. 409 while RECEIVED or PROCESSING.',
        tags: ['transactions'],
        security,
        params: TransactionParams,
        response: { 202: ReplayAccepted, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const result = await replayTransaction(store, queue, request.params.transaction_id);
      switch (result.outcome) {
        case 'not-found':
          throw new HttpError(404, 'Transaction not found');
        case 'not-replayable':
          throw new HttpError(409, notReplayableReason(result.record));
        case 'replayed':
          return reply.code(202).send({ transaction_id: result.record.transactionId, status: 'RECEIVED' });
      }
    },
  );

  app.post(
    '/v1/transactions/replay',
    {
      schema: {
        summary: 'Replay every PROCESSED or FAILED transaction matching a filter, or named ids',
        description:
          'The list\'s filters (status PROCESSED or FAILED, or absent for both) or "ids" (not both). "dry_run": ' +
          'true answers 200 {"matched": n} and changes nothing; otherwise the matching transactions go back to ' +
          'RECEIVED with their retry budget afresh, in bounded batches, and the answer is 202 {"replayed": n}. ' +
          'Never touches a transaction on its way (RECEIVED, PROCESSING); repeating it replays only what has ' +
          'finished since.',
        tags: ['operators'],
        security,
        body: replayBody(providers),
        response: { 200: ReplayMatched, 202: ReplayReplayed, 401: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const { ids, dry_run: dryRun, ...input } = request.body;
      const chosen = bulkSelection(ids, input, providers);
      let selection: ReplaySelection = chosen as ReplaySelection;
      if (chosen.kind === 'filter') {
        // The schema admits only PROCESSED or FAILED as the status.
        const { status, ...filter } = chosen.filter;
        selection = {
          kind: 'filter',
          filter: status === undefined ? filter : { ...filter, status: status as ReplayableStatus },
        };
      }
      if (dryRun) return reply.code(200).send({ matched: await store.countReplayable(selection) });
      return reply.code(202).send({ replayed: await replayMatching(store, queue, selection) });
    },
  );
};
