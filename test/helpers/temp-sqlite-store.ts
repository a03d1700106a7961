import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { SqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from './temp-dir.js';

/** A ready SQLite store on a fresh file of its own, closed (and removed) when the test ends. */
export async function tempSqliteStore(
  t: TestContext,
  synchronous: SqliteStoreOptions['synchronous'] = 'FULL',
): Promise<SqliteStore> {
  const store = new SqliteStore({ path: join(tempDir(t), 'webhooks.db'), synchronous });
  await store.ready();
  t.after(() => store.close());
  return store;
}
