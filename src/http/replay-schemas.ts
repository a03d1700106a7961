import { Type } from '@sinclair/typebox';
import { REPLAYABLE_STATUSES } from '../domain/replay.js';
import { MAX_PAGE_SIZE } from '../transactions/transaction-page.js';
import { filterFields } from './operator-schemas.js';

/**
 * `POST /v1/transactions/replay` body: the list's filters (status PROCESSED or FAILED, or absent
 * for both) or ids. Unknown fields are refused, so a misspelt filter never replays everything.
 */
export const replayBody = (providers: readonly string[]) =>
  Type.Object(
    {
      ...filterFields(providers),
      status: Type.Optional(
        Type.Unsafe<string>({
          type: 'string',
          enum: [...REPLAYABLE_STATUSES],
          description: 'PROCESSED or FAILED; absent: both. Transactions on their way are never replayed',
        }),
      ),
      ids: Type.Optional(
        Type.Array(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' }), {
          minItems: 1,
          maxItems: MAX_PAGE_SIZE,
          uniqueItems: true,
          description: `These transactions (at most ${MAX_PAGE_SIZE}), those that are PROCESSED or FAILED; not with the filters`,
        }),
      ),
      dry_run: Type.Optional(
        Type.Boolean({ description: 'Count the matching PROCESSED and FAILED transactions; change nothing' }),
      ),
    },
    { additionalProperties: false },
  );

/** Answer to a bulk replay's dry run. */
export const ReplayMatched = Type.Object({
  matched: Type.Integer({ description: 'PROCESSED and FAILED transactions matching' }),
});

/** Answer to a bulk replay. */
export const ReplayReplayed = Type.Object({
  replayed: Type.Integer({
    description: 'Transactions moved back to RECEIVED, to run through the handler again',
  }),
});

/** Answer to the replay of one transaction. */
export const ReplayAccepted = Type.Object({
  transaction_id: Type.String(),
  status: Type.Literal('RECEIVED'),
});
