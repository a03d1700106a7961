import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { STORED_PAYLOAD_MEDIA_TYPES, storedPayloadFormat } from '../../domain/stored-payload.js';
import type { KeysetPosition, RetrySelection, TransactionFilter } from '../../domain/transaction-query.js';
import type { JobQueue } from '../../queue/job-queue.js';
import type { TransactionStore } from '../../store/transaction-store.js';
import { type InputProblem, parseFilterInput, parseLimit } from '../../transactions/filter-input.js';
import { decodeCursor } from '../../transactions/list-cursor.js';
import { retryFailed } from '../../transactions/retry-failed.js';
import { RECENT_FAILURES_MS, toStatsView } from '../../transactions/stats-view.js';
import {
  DEFAULT_PAGE_SIZE,
  listTransactionPage,
  MAX_PAGE_SIZE,
} from '../../transactions/transaction-page.js';
import { toTransactionView } from '../../transactions/transaction-view.js';
import { bulkSelection } from '../bulk-selection.js';
import { HttpError } from '../http-errors.js';
import {
  listQuery,
  PayloadErased,
  RawPayload,
  RetryMatched,
  RetryRequeued,
  retryBody,
  statsViewSchema,
  TransactionPageView,
} from '../operator-schemas.js';
import { ErrorBody, TransactionParams } from '../schemas.js';

/** Options of {@link operatorRoutes}. */
export interface OperatorRoutesOptions {
  store: TransactionStore;
  queue: JobQueue;
  /** Authorises read and admin requests (API keys); throws an HttpError to refuse. */
  authorize: (request: FastifyRequest) => Promise<void>;
  /** The registered providers' names: the values of the provider filter, the rows of the stats. */
  providers: readonly string[];
}

const security = [{ bearerAuth: [] }];

/** A 422 listing `problems` found in `part` (`query` or `body`). */
const invalid = (part: 'query' | 'body', problems: readonly InputProblem[]) =>
  new HttpError(
    422,
    problems.map((p) => ({ loc: [part, p.field], msg: p.msg, type: p.type })),
  );

function filterFrom(
  part: 'query' | 'body',
  input: Parameters<typeof parseFilterInput>[0],
  providers: readonly string[],
): TransactionFilter {
  const parsed = parseFilterInput(input, new Date(), { providers });
  if (!parsed.ok) throw invalid(part, parsed.problems);
  return parsed.filter;
}

/**
 * What operators use besides one transaction's status: the filtered list with keyset pagination,
 * the figures they watch, a bulk retry of FAILED transactions, and a transaction's raw payload.
 */
export const operatorRoutes: FastifyPluginAsyncTypebox<OperatorRoutesOptions> = async (
  app,
  { store, queue, authorize, providers },
) => {
  // As for the single-transaction routes: 401 before anything else about the request.
  app.addHook('onRequest', authorize);

  app.get(
    '/v1/transactions',
    {
      schema: {
        summary: 'List transactions, newest first, filtered and paged',
        description:
          'Keyset pagination: pass next_cursor as cursor for the next page, with the same filters. Pages never ' +
          'repeat or skip a row, even while webhooks arrive. A cursor from other filters, or edited, is a 422.',
        tags: ['operators'],
        security,
        querystring: listQuery(providers),
        response: { 200: TransactionPageView, 401: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const { limit: limitText, cursor, ...input } = request.query;
      const filter = filterFrom('query', input, providers);
      const limit = parseLimit(limitText, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
      if (!limit.ok) throw invalid('query', [limit.problem]);
      let after: KeysetPosition | undefined;
      if (cursor !== undefined) {
        const decoded = decodeCursor(cursor, filter);
        if (!decoded.ok) {
          throw invalid('query', [
            decoded.problem === 'other-filter'
              ? {
                  field: 'cursor',
                  msg: 'The cursor was issued for other filters: repeat the first request without it',
                  type: 'value_error',
                }
              : {
                  field: 'cursor',
                  msg: 'Invalid cursor: pass next_cursor as it was given',
                  type: 'value_error',
                },
          ]);
        }
        after = decoded.position;
      }
      const page = await listTransactionPage(store, filter, after, limit.limit);
      return { items: page.items.map(toTransactionView), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/stats',
    {
      schema: {
        summary: 'What an operator watches',
        description:
          'Exact counts by status, the oldest RECEIVED transaction, failures in the last hour, and RECEIVED, ' +
          'PROCESSING and FAILED per provider, from one snapshot of the store.',
        tags: ['operators'],
        security,
        response: { 200: statsViewSchema(providers), 401: ErrorBody },
      },
    },
    async () => {
      const now = new Date();
      return toStatsView(await store.stats(new Date(now.getTime() - RECENT_FAILURES_MS)), now, providers);
    },
  );

  app.post(
    '/v1/transactions/retry',
    {
      schema: {
        summary: 'Retry every FAILED transaction matching a filter, or named ids',
        description:
          'The list\'s filters or "ids" (not both). "dry_run": true answers 200 {"matched": n} and changes ' +
          'nothing; otherwise the matching FAILED transactions go back to RECEIVED with attempts reset, in ' +
          'bounded batches, and the answer is 202 {"requeued": n}. Never touches a transaction that is not ' +
          'FAILED; repeating it finds nothing left.',
        tags: ['operators'],
        security,
        body: retryBody(providers),
        response: { 200: RetryMatched, 202: RetryRequeued, 401: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const { ids, dry_run: dryRun, status: _failed, ...input } = request.body;
      // The schema admits only FAILED as the status, which a retry implies: it is dropped above.
      const selection: RetrySelection = bulkSelection(ids, input, providers);
      if (dryRun) return reply.code(200).send({ matched: await store.countFailed(selection) });
      return reply.code(202).send({ requeued: await retryFailed(store, queue, selection) });
    },
  );

  app.get(
    '/v1/transactions/:transaction_id/payload',
    {
      schema: {
        summary: "A transaction's raw payload",
        description:
          'The webhook body exactly as it was received, extra fields included: JSON, or the form PayU and Paytm post ' +
          '(application/x-www-form-urlencoded); 410 once it was erased (PAYLOAD_RETENTION_DAYS, or on request), while ' +
          'the transaction itself can still be read.',
        tags: ['operators'],
        security,
        params: TransactionParams,
        response: { 200: RawPayload, 401: ErrorBody, 404: ErrorBody, 410: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const record = await store.get(request.params.transaction_id);
      if (!record) throw new HttpError(404, 'Transaction not found');
      if (record.payload === null) throw new HttpError(410, 'Payload erased');
      // As it arrived: JSON, or a gateway's form (see storedPayloadFormat).
      return reply.type(STORED_PAYLOAD_MEDIA_TYPES[storedPayloadFormat(record.payload)]).send(record.payload);
    },
  );

  app.delete(
    '/v1/transactions/:transaction_id/payload',
    {
      schema: {
        summary: "Erase a finished transaction's raw payload",
        description:
          'Erases the webhook body of a PROCESSED or FAILED transaction (personal data it may carry), keeping ' +
          'the transaction: its ids, status, provider fields, amount, currency and times. 204 also when it was ' +
          'already erased; 409 while the transaction is RECEIVED or PROCESSING, whose processing still needs it.',
        tags: ['operators'],
        security,
        params: TransactionParams,
        response: { 204: PayloadErased, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const transactionId = request.params.transaction_id;
      switch (await store.erasePayload(transactionId)) {
        case 'not-found':
          throw new HttpError(404, 'Transaction not found');
        case 'unfinished':
          throw new HttpError(
            409,
            'Transaction is not finished: its payload is erased once it is PROCESSED or FAILED',
          );
        case 'erased':
          request.log.info({ transactionId }, 'payload erased on request');
          return reply.code(204).send(null);
      }
    },
  );
};
