import { waitFor } from '../test/helpers/wait-for.js';
import { type FaultReport, ledgerCounts } from './fault-harness.js';

/**
 * Waits up to `deadlineMs` for every acknowledged transaction to be PROCESSED (as `statusOf` reads
 * it), then
 * builds the report: lost (acknowledged, not PROCESSED) and completed twice (from the ledger).
 */
export async function verifyDelivery(options: {
  scenario: string;
  statusOf: (transactionId: string) => Promise<string | undefined>;
  acknowledged: ReadonlySet<string>;
  ledgerPath: string;
  lastFaultAt: number;
  deadlineMs: number;
}): Promise<FaultReport> {
  const { statusOf, acknowledged, ledgerPath, lastFaultAt } = options;
  const pending = new Set(acknowledged);
  const check = async () => {
    for (const id of [...pending]) {
      if ((await statusOf(id).catch(() => undefined)) === 'PROCESSED') pending.delete(id);
    }
    return pending.size === 0;
  };
  await waitFor(check, {
    timeoutMs: options.deadlineMs,
    intervalMs: 250,
    message: 'every acknowledged webhook',
  }).catch(() => undefined);
  const recoverySeconds = (Date.now() - lastFaultAt) / 1000;
  const counts = ledgerCounts(ledgerPath);
  return {
    scenario: options.scenario,
    acknowledged: acknowledged.size,
    processed: acknowledged.size - pending.size,
    lost: pending.size,
    completedTwice: [...counts.values()].filter((n) => n > 1).length,
    handlerCompletions: [...counts.values()].reduce((a, b) => a + b, 0),
    recoverySeconds,
  };
}
