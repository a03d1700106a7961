import { loadCommandConfig } from './command-config.js';
import { createStore } from './store/create-store.js';

/**
 * `migrate`: brings the configured store's schema up to date and exits, so a deployment can migrate
 * once with an owner's role before starting processes whose role may only read and write rows.
 * Opening a store migrates it (PostgreSQL: numbered migrations under an advisory lock; SQLite:
 * `user_version`; MongoDB: indexes), so this opens and closes it. Prints one line; returns the exit
 * code (0 done, 1 bad configuration or failure).
 */
export async function runMigrateCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (args.length > 0) {
    console.error('Usage: migrate');
    return 2;
  }
  const config = loadCommandConfig(env);
  if (!config) return 1;
  const store = await createStore(config.store);
  try {
    await store.ready();
  } catch (error) {
    console.error(`migrate: the ${config.store.kind} store could not be migrated: ${errorMessage(error)}`);
    return 1;
  } finally {
    await store.close();
  }
  console.log(`migrate: the ${config.store.kind} store schema is up to date`);
  return 0;
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));
