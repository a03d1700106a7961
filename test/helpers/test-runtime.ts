import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { loadConfig, type Role } from '../../src/config.js';
import type { ProviderRegistry } from '../../src/providers/provider-registry.js';
import { type Runtime, type RuntimeOptions, startRuntime } from '../../src/runtime.js';
import { testLogger } from './silent-logger.js';
import { tempDir } from './temp-dir.js';

/**
 * Starts the whole service in this process against real engines (a fresh SQLite file unless `env`
 * says otherwise), listening on 127.0.0.1 and a free port, and stops it when the test ends.
 * `registry` replaces the registered providers (default the service's own).
 */
export async function startTestRuntime(
  t: TestContext,
  env: Record<string, string> = {},
  options: Partial<RuntimeOptions> & { role?: Role; registry?: ProviderRegistry } = {},
): Promise<Runtime & { url: string }> {
  const config = loadConfig(
    {
      SQLITE_PATH: join(tempDir(t), 'webhooks.db'),
      SQLITE_SYNCHRONOUS: 'NORMAL',
      HOST: '127.0.0.1',
      PORT: '0',
      PROCESS_DELAY_SECONDS: '0.2',
      SHUTDOWN_TIMEOUT_SECONDS: '5',
      LOG_LEVEL: 'silent',
      ...env,
    },
    options.role ?? 'all',
    options.registry,
  );
  const runtime = await startRuntime(config, { logger: testLogger(), ...options });
  t.after(() => runtime.stop());
  return Object.assign(runtime, { url: runtime.address ?? '' });
}
