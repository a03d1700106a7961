import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/temp-dir.js';
import { storeContract } from './store-contract.js';

storeContract('sqlite', async (t) => {
  const store = new SqliteStore({ path: join(tempDir(t), 'webhooks.db'), synchronous: 'FULL' });
  await store.ready();
  t.after(() => store.close());
  return store;
});
