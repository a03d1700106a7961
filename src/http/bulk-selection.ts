import type { TransactionFilter } from '../domain/transaction-query.js';
import { type FilterInput, parseFilterInput } from '../transactions/filter-input.js';
import { HttpError } from './http-errors.js';

/** What a bulk operation's body selects: named ids, or every match of the list's filters. */
export type BulkSelection =
  | { kind: 'ids'; ids: readonly string[] }
  | { kind: 'filter'; filter: TransactionFilter };

/**
 * The selection of a bulk retry or replay body: its `ids`, which no filter may accompany, or its
 * filters, checked as the list checks them. Throws a 422 naming every offending body field.
 */
export function bulkSelection(
  ids: readonly string[] | undefined,
  input: FilterInput,
  providers: readonly string[],
): BulkSelection {
  if (ids !== undefined) {
    const mixed = Object.keys(input);
    if (mixed.length > 0) {
      throw new HttpError(
        422,
        mixed.map((field) => ({
          loc: ['body', field],
          msg: 'Cannot be combined with ids',
          type: 'value_error',
        })),
      );
    }
    return { kind: 'ids', ids };
  }
  const parsed = parseFilterInput(input, new Date(), { providers });
  if (!parsed.ok) {
    throw new HttpError(
      422,
      parsed.problems.map((p) => ({ loc: ['body', p.field], msg: p.msg, type: p.type })),
    );
  }
  return { kind: 'filter', filter: parsed.filter };
}
