import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoStore } from '../../src/store/mongo/mongo-store.js';
import type { TransactionStore } from '../../src/store/transaction-store.js';
import { skipUnlessReachable, TEST_MONGO_URL } from '../helpers/services.js';
import { storeContract } from './store-contract.js';

// Runs only where TEST_MONGO_URL points at a real server (none can be installed on the build
// machines); otherwise every test is reported as skipped, with a loud line on stderr.
const skip = await skipUnlessReachable('mongo', TEST_MONGO_URL);

/** Other processes' stores on a test's database, closed before it is dropped. */
const twins = new WeakMap<TransactionStore, MongoStore[]>();

/** The database each contract test's store uses, so a twin can open the same one. */
const databaseOf = new WeakMap<TransactionStore, string>();

storeContract(
  'mongo',
  async (t) => {
    const url = TEST_MONGO_URL!;
    const database = `test_store_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
    const store = new MongoStore({ url, database });
    databaseOf.set(store, database);
    // Registered first, so it runs first: the store closes before its database is dropped.
    t.after(async () => {
      await store.close();
      await Promise.all((twins.get(store) ?? []).map((twin) => twin.close()));
      const admin = new MongoClient(url);
      try {
        await admin.db(database).dropDatabase();
      } finally {
        await admin.close();
      }
    });
    await store.ready();
    return store;
  },
  {
    skip,
    openTwin: async (_t, store) => {
      const twin = new MongoStore({ url: TEST_MONGO_URL!, database: databaseOf.get(store)! });
      twins.set(store, [...(twins.get(store) ?? []), twin]);
      await twin.ready();
      return twin;
    },
  },
);
