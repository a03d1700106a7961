import type { ProcessTransaction } from '../../src/handler/process-transaction.js';

/** Ids containing this marker fail while {@link failing} is on. */
export const FAIL_MARKER = '-fail-';

let failing = true;

/** Lets every transaction through from now on, as a fixed downstream would. */
export function stopFailing(): void {
  failing = false;
}

/**
 * A `HANDLER_MODULE` for tests: throws for every transaction whose id contains {@link FAIL_MARKER}
 * until {@link stopFailing} is called, and succeeds at once for the others. A test that imports
 * this module shares its state with the runtime that loads it by path (one module per URL).
 */
export const processTransaction: ProcessTransaction = async (transaction) => {
  if (failing && transaction.transactionId.includes(FAIL_MARKER)) {
    throw new Error(`downstream refused ${transaction.transactionId}: 503 Service Unavailable`);
  }
};
