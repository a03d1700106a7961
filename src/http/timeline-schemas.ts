import { Type } from '@sinclair/typebox';
import { DEFAULT_TIMELINE_MINUTES, MAX_TIMELINE_MINUTES } from '../transactions/timeline-view.js';

/** `GET /v1/stats/timeline` query. Query values arrive as text and are parsed by the route. */
export const TimelineQuerySchema = Type.Object(
  {
    minutes: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 16,
        description: `Minutes back, the current one included: 1 to ${MAX_TIMELINE_MINUTES}; default ${DEFAULT_TIMELINE_MINUTES}`,
      }),
    ),
  },
  { additionalProperties: false },
);

/** `GET /v1/stats/timeline`. */
export const TimelineViewSchema = Type.Object({
  bucket_seconds: Type.Integer({ description: 'Length of a bucket: 60' }),
  buckets: Type.Array(
    Type.Object({
      start: Type.String({ format: 'date-time', description: "The minute's start, UTC" }),
      received: Type.Integer({ description: 'Transactions created in that minute' }),
      processed: Type.Integer({
        description: 'Transactions that reached PROCESSED in that minute (and are PROCESSED now)',
      }),
      failed: Type.Integer({
        description: 'Transactions that reached FAILED in that minute (and are FAILED now)',
      }),
    }),
    {
      description:
        'Oldest first, one per minute, minutes where nothing happened included; the last is the current minute, still filling',
    },
  ),
});
