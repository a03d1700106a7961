import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ProcessTransaction, processTransaction } from './process-transaction.js';

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
