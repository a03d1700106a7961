import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config } from '../config.js';
import { createForwardHandler, type ForwardHandlerOptions } from './forward/forward-handler.js';
import { type ProcessTransaction, processTransaction } from './process-transaction.js';

/** The handler the worker runs, and what to release once the worker has stopped. */
export interface ConfiguredHandler {
  process: ProcessTransaction;
  close(): Promise<void>;
}

/**
 * The processing handler: the built-in one, or the `processTransaction` (or default) export of
 * `HANDLER_MODULE`, resolved from the working directory.
 */
export async function loadHandler(modulePath: string | null): Promise<ProcessTransaction> {
  if (!modulePath) return processTransaction;
  const loaded = (await import(pathToFileURL(resolve(modulePath)).href)) as Record<string, unknown>;
  const handler = loaded.processTransaction ?? loaded.default;
  if (typeof handler !== 'function') {
    throw new Error(`HANDLER_MODULE ${modulePath} exports no function named processTransaction`);
  }
  return handler as ProcessTransaction;
}

/**
 * The handler the configuration selects: forwarding to `FORWARD_URL` (built in), the module at
 * `HANDLER_MODULE`, or the built-in delay. The configuration refuses both of the first two at once.
 */
export async function loadConfiguredHandler(
  config: Pick<Config, 'worker' | 'forward'>,
  forwardOptions: ForwardHandlerOptions,
): Promise<ConfiguredHandler> {
  if (config.forward) return createForwardHandler(config.forward, forwardOptions);
  return { process: await loadHandler(config.worker.handlerModule), close: async () => undefined };
}
