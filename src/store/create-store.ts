import type { StoreConfig } from '../config.js';
import type { TransactionStore } from './transaction-store.js';

/**
 * The store adapter the configuration names. Adapters load lazily so a deployment only loads the
 * driver it uses.
 */
export async function createStore(config: StoreConfig): Promise<TransactionStore> {
  switch (config.kind) {
    case 'sqlite': {
      const { SqliteStore } = await import('./sqlite/sqlite-store.js');
      return new SqliteStore({ path: config.path, synchronous: config.synchronous });
    }
    case 'postgres':
    case 'mongo':
      throw new Error(`The ${config.kind} store is not available in this build`);
  }
}
