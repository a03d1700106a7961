import type { StoreConfig } from '../config.js';
import type { TransactionStore } from './transaction-store.js';

/**
 * The store adapter the configuration names, not yet opened: the caller owns it and calls `ready()`
 * and `close()`. Adapters load lazily so a deployment only loads the driver it uses.
 */
export async function createStore(config: StoreConfig): Promise<TransactionStore> {
  switch (config.kind) {
    case 'sqlite': {
      const { SqliteStore } = await import('./sqlite/sqlite-store.js');
      return new SqliteStore({ path: config.path, synchronous: config.synchronous });
    }
    case 'postgres': {
      const { PostgresStore } = await import('./postgres/postgres-store.js');
      return new PostgresStore({ connectionString: config.url });
    }
    case 'mongo': {
      const { MongoStore } = await import('./mongo/mongo-store.js');
      return new MongoStore({ url: config.url, database: config.database });
    }
  }
}
