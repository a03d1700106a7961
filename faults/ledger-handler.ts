import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProcessTransaction } from '../src/handler/process-transaction.js';

/**
 * The fault suite's processing handler (loaded through HANDLER_MODULE): waits the configured delay
 * like the default, then appends the transaction id to the ledger file at LEDGER_PATH. One line per
 * completed handler run lets the suite count transactions whose handler completed twice. Lines are
 * short single `write`s to a file opened for append, so concurrent processes never interleave them.
 */
export const processTransaction: ProcessTransaction = async (transaction, { signal, processDelayMs }) => {
  await sleep(processDelayMs, undefined, { signal });
  const ledger = process.env.LEDGER_PATH;
  if (!ledger) throw new Error('LEDGER_PATH is not set');
  appendFileSync(ledger, `${transaction.transactionId}\n`);
};
