import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoStore } from '../../src/store/mongo/mongo-store.js';
import { skipUnlessReachable, TEST_MONGO_URL } from '../helpers/services.js';
import { storeContract } from './store-contract.js';

// Runs only where TEST_MONGO_URL points at a real server (none can be installed on the build
// machines); otherwise every test is reported as skipped, with a loud line on stderr.
const skip = await skipUnlessReachable('mongo', TEST_MONGO_URL);

storeContract(
  'mongo',
  async (t) => {
    const url = TEST_MONGO_URL!;
    const database = `test_store_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
    const store = new MongoStore({ url, database });
    // Registered first, so it runs first: the store closes before its database is dropped.
    t.after(async () => {
      await store.close();
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
  { skip },
);
