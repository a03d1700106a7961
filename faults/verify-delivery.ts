import { waitFor } from '../test/helpers/wait-for.js';
import { type FaultReport, ledgerCounts } from './fault-harness.js';

/**
 * Waits up to `deadlineMs` for every acknowledged transaction to be processed, then builds the
 * report: lost (acknowledged, not processed) and completed twice (from the ledger). Processed means
 * PROCESSED as `statusOf` reads it, or no longer stored while the ledger holds its completion:
 * retention deletes a transaction once it has finished, and only then, so one that is gone and
 * whose handler completed was processed (a transaction never stored has no ledger line, since the
 * handler runs only for stored, claimed transactions). Then, when `retentionDeadlineMs` is given,
 * waits up to that long for retention to have deleted every acknowledged transaction.
 *
 * `statusOf` resolves with undefined for a transaction the store no longer holds, and rejects when
 * it cannot tell (the service is down): such a transaction stays pending.
 */
export async function verifyDelivery(options: {
  scenario: string;
  statusOf: (transactionId: string) => Promise<string | undefined>;
  acknowledged: ReadonlySet<string>;
  ledgerPath: string;
  lastFaultAt: number;
  deadlineMs: number;
  retentionDeadlineMs?: number;
}): Promise<FaultReport> {
  const { statusOf, acknowledged, ledgerPath, lastFaultAt } = options;
  const pending = new Set(acknowledged);
  const check = async () => {
    const ledger = ledgerCounts(ledgerPath);
    for (const id of [...pending]) {
      const status = await statusOf(id).then(
        (s) => s ?? 'gone',
        () => 'unknown',
      );
      if (status === 'PROCESSED' || (status === 'gone' && ledger.has(id))) pending.delete(id);
    }
    return pending.size === 0;
  };
  await waitFor(check, {
    timeoutMs: options.deadlineMs,
    intervalMs: 250,
    message: 'every acknowledged webhook',
  }).catch(() => undefined);
  const recoverySeconds = (Date.now() - lastFaultAt) / 1000;
  const stored = new Set(acknowledged);
  const deleted = async () => {
    for (const id of [...stored])
      if ((await statusOf(id).catch(() => 'unknown')) === undefined) stored.delete(id);
    return stored.size === 0;
  };
  if (options.retentionDeadlineMs !== undefined) {
    await waitFor(deleted, {
      timeoutMs: options.retentionDeadlineMs,
      intervalMs: 500,
      message: 'retention to delete every acknowledged webhook',
    }).catch(() => undefined);
  } else {
    await deleted();
  }
  const counts = ledgerCounts(ledgerPath);
  return {
    scenario: options.scenario,
    acknowledged: acknowledged.size,
    processed: acknowledged.size - pending.size,
    lost: pending.size,
    completedTwice: [...counts.values()].filter((n) => n > 1).length,
    handlerCompletions: [...counts.values()].reduce((a, b) => a + b, 0),
    deletedByRetention: acknowledged.size - stored.size,
    recoverySeconds,
  };
}
