import { tempSqliteStore } from '../helpers/temp-sqlite-store.js';
import { storeContract } from './store-contract.js';

storeContract('sqlite', (t) => tempSqliteStore(t));
