import { type Config, ConfigError, loadConfig } from './config.js';

/**
 * Loads the configuration for a one-shot command (migrate, requeue) as the API role would. On a
 * bad value prints the one-line error and returns null, so the command exits 1.
 */
export function loadCommandConfig(env: NodeJS.ProcessEnv): Config | null {
  try {
    return loadConfig(env, 'api');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return null;
  }
}
