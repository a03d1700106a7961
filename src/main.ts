import { ConfigError, loadConfig, ROLES, type Role } from './config.js';
import { createLogger } from './logger.js';
import { runMigrateCommand } from './migrate-command.js';
import { unsupportedNodeVersion } from './node-version.js';
import { runOperatorCommand } from './operator-command.js';
import { runRequeueCommand } from './requeue-command.js';
import { startRuntime } from './runtime.js';
import { shutdownHardLimitMs } from './shutdown-hard-limit.js';

/**
 * Entry point: `main.js [all|api|worker]` runs a role; `main.js requeue <transaction_id>` puts a
 * FAILED transaction back to RECEIVED; `main.js migrate` brings the store's schema up to date;
 * `main.js cli <list|show|stats|retry|attempts|replay>` gives operators the list, stats, bulk
 * retry, a transaction's attempts and replay. Configuration comes from the environment, validated
 * once.
 */
async function main(argv: string[]): Promise<void> {
  // Before anything loads the SQLite addon, which would end the process with a segfault on Node 20.
  const unsupported = unsupportedNodeVersion();
  if (unsupported) {
    console.error(unsupported);
    process.exitCode = 1;
    return;
  }
  const [command = 'all', ...rest] = argv;
  if (command === 'requeue') {
    process.exitCode = await runRequeueCommand(rest, process.env);
    return;
  }
  if (command === 'cli') {
    process.exitCode = await runOperatorCommand(rest, process.env);
    return;
  }
  if (command === 'migrate') {
    process.exitCode = await runMigrateCommand(rest, process.env);
    return;
  }
  if (!(ROLES as readonly string[]).includes(command)) {
    console.error(
      `Unknown command "${command}": use ${ROLES.join(', ')}, migrate, cli or requeue <transaction_id>`,
    );
    process.exitCode = 2;
    return;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env, command as Role);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
    return;
  }
  const logger = createLogger(config.logLevel);
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    process.exit(1);
  });

  const runtime = await startRuntime(config, { logger });
  // Worker timers are unref'd so that embedding code can exit; a worker process on the in-process
  // queue has no socket open either, so hold the process until a signal says to stop.
  const keepAlive = setInterval(() => {}, 1 << 30);
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // A hard bound in case a connection or driver refuses to close; it stays inside a container
    // runtime's default grace period, so the process, not SIGKILL, decides how it ends.
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, shutdownHardLimitMs(config.shutdownTimeoutMs)).unref();
    runtime.stop().then(
      () => {
        clearInterval(keepAlive);
        logger.info('stopped');
      },
      (error) => {
        clearInterval(keepAlive);
        logger.error({ err: error }, 'error while stopping');
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
