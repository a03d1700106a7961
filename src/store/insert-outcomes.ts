import type { NewTransaction, TransactionRecord } from '../domain/transaction.js';
import type { InsertOutcome } from './transaction-store.js';

/**
 * Builds `insertMany`'s outcomes in input order from what a batch insert learnt: `records` holds
 * the stored record of every id (new or pre-existing), `inserted` the ids this batch created. A
 * repeated id within the batch counts as inserted only at its first occurrence.
 */
export function insertOutcomesInOrder(
  items: readonly NewTransaction[],
  records: ReadonlyMap<string, TransactionRecord>,
  inserted: ReadonlySet<string>,
): InsertOutcome[] {
  const seen = new Set<string>();
  return items.map((item) => {
    const id = item.transactionId;
    const record = records.get(id);
    if (!record) throw new Error(`Transaction ${id} was neither inserted nor found`);
    const first = !seen.has(id);
    seen.add(id);
    return { inserted: first && inserted.has(id), record };
  });
}
