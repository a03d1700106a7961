import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newTransaction } from '../helpers/sample-transaction.js';
import { tempSqliteStore } from '../helpers/temp-sqlite-store.js';
import { storeContract } from './store-contract.js';

storeContract('sqlite', (t) => tempSqliteStore(t));

test('sqlite store: a duplicate is not answered before the row it found is synced', async (t) => {
  const store = await tempSqliteStore(t, 'FULL');
  const item = newTransaction();
  const answered: string[] = [];
  // Not awaited: the first insert is committed and waits for its sync when the second one runs,
  // as when two ingest batches are in flight.
  const first = store.insertMany([item]).then(([o]) => answered.push(`first inserted=${o?.inserted}`));
  const second = store
    .insertMany([{ ...item, amount: 1 }])
    .then(([o]) => answered.push(`second inserted=${o?.inserted}`));
  await Promise.all([first, second]);
  assert.deepEqual(answered, ['first inserted=true', 'second inserted=false']);
});
