import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { TransactionStore } from '../../store/transaction-store.js';
import { parseLimit } from '../../transactions/filter-input.js';
import {
  DEFAULT_TIMELINE_MINUTES,
  MAX_TIMELINE_MINUTES,
  readTimeline,
} from '../../transactions/timeline-view.js';
import { HttpError } from '../http-errors.js';
import { ErrorBody } from '../schemas.js';
import { TimelineQuerySchema, TimelineViewSchema } from '../timeline-schemas.js';

/** Options of {@link timelineRoutes}. */
export interface TimelineRoutesOptions {
  store: TransactionStore;
  /** Authorises read and admin requests (API keys); throws an HttpError to refuse. */
  authorize: (request: FastifyRequest) => Promise<void>;
}

/** `GET /v1/stats/timeline`: the last minutes at a glance. */
export const timelineRoutes: FastifyPluginAsyncTypebox<TimelineRoutesOptions> = async (
  app,
  { store, authorize },
) => {
  app.addHook('onRequest', authorize);

  app.get(
    '/v1/stats/timeline',
    {
      schema: {
        summary: 'Received, processed and failed per minute',
        description:
          `One bucket per minute over the last \`minutes\` (1 to ${MAX_TIMELINE_MINUTES}, default ` +
          `${DEFAULT_TIMELINE_MINUTES}), oldest first, empty minutes included, the current minute last: ` +
          'received counts transactions by creation time, processed and failed by the time they reached that ' +
          'status.',
        tags: ['operators'],
        security: [{ bearerAuth: [] }],
        querystring: TimelineQuerySchema,
        response: { 200: TimelineViewSchema, 401: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const minutes = parseLimit(
        request.query.minutes,
        DEFAULT_TIMELINE_MINUTES,
        MAX_TIMELINE_MINUTES,
        'minutes',
      );
      if (!minutes.ok) {
        const { field, msg, type } = minutes.problem;
        throw new HttpError(422, [{ loc: ['query', field], msg, type }]);
      }
      return readTimeline(store, minutes.limit, new Date());
    },
  );
};
