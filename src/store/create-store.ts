import type { StoreConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { TransactionStore } from './transaction-store.js';

/** Options of {@link createStore}. */
export interface CreateStoreOptions {
  /** Receives connection errors that happen outside any call (an idle pooled connection dropped). */
  log?: Logger;
  /** Whether claims and outcomes write the attempts history. Default true (off only for the bench). */
  recordAttempts?: boolean;
}

/**
 * The store adapter the configuration names, not yet opened: the caller owns it and calls `ready()`
 * and `close()`. Adapters load lazily so a deployment only loads the driver it uses.
 */
export async function createStore(
  config: StoreConfig,
  options: CreateStoreOptions = {},
): Promise<TransactionStore> {
  const { log, recordAttempts } = options;
  switch (config.kind) {
    case 'sqlite': {
      const { SqliteStore } = await import('./sqlite/sqlite-store.js');
      return new SqliteStore({ path: config.path, synchronous: config.synchronous, recordAttempts });
    }
    case 'postgres': {
      const { PostgresStore } = await import('./postgres/postgres-store.js');
      return new PostgresStore({
        connectionString: config.url,
        // The pool replaces the connection by itself; the line tells operators the database blinked.
        onIdleError: log ? (err) => log.warn({ err }, 'idle PostgreSQL connection failed') : undefined,
        recordAttempts,
      });
    }
    case 'mongo': {
      const { MongoStore } = await import('./mongo/mongo-store.js');
      return new MongoStore({ url: config.url, database: config.database, recordAttempts });
    }
  }
}
