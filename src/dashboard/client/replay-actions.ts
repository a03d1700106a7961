/**
 * Replay from the dashboard: one transaction from its detail, or every PROCESSED and FAILED match
 * of the list's filter. Both ask first; the bulk one states the dry run's count in the question.
 */
import { api } from './api-client.js';

/** What the replay actions need from the page. */
export interface ReplayContext {
  /** Asks the operator; resolves true on confirm. */
  confirm(heading: string, text: string, confirmLabel: string): Promise<boolean>;
  /** Where to say what happened. */
  status: HTMLElement;
  /** Reloads what shows counts and statuses. */
  refresh(): Promise<void>;
}

/** The statuses a replay takes a transaction from. */
export const REPLAYABLE = ['PROCESSED', 'FAILED'];

const plural = (n: number) => (n === 1 ? 'transaction' : 'transactions');

/** Replays one transaction after a confirmation. */
export async function replayOne(transactionId: string, context: ReplayContext): Promise<void> {
  const confirmed = await context.confirm(
    'Replay this transaction',
    `Replay ${transactionId}? It goes back to RECEIVED with its retry budget afresh and runs through the ` +
      'handler again (a forwarded delivery carries the same webhook-id as before).',
    'Replay',
  );
  if (!confirmed) {
    context.status.textContent = 'Replay cancelled.';
    return;
  }
  const answer = await api<{ status: string }>(
    'POST',
    `/v1/transactions/${encodeURIComponent(transactionId)}/replay`,
  );
  context.status.textContent = `Replayed: now ${answer.status}.`;
  await context.refresh();
}

/**
 * Replays every PROCESSED and FAILED transaction matching `filter` (its status, when set, must be
 * one of those) after a confirmation that states how many the dry run counted.
 */
export async function replayMatching(
  filter: Record<string, string>,
  describe: string,
  context: ReplayContext,
): Promise<void> {
  const { matched } = await api<{ matched: number }>('POST', '/v1/transactions/replay', {
    ...filter,
    dry_run: true,
  });
  if (matched === 0) {
    context.status.textContent = 'No PROCESSED or FAILED transaction matches this filter.';
    return;
  }
  const confirmed = await context.confirm(
    'Replay matching transactions',
    `Replay ${matched.toLocaleString()} ${plural(matched)} matching ${describe}? Each PROCESSED or FAILED one ` +
      'goes back to RECEIVED with its retry budget afresh and runs through the handler again.',
    'Replay',
  );
  if (!confirmed) {
    context.status.textContent = 'Replay cancelled.';
    return;
  }
  const { replayed } = await api<{ replayed: number }>('POST', '/v1/transactions/replay', filter);
  context.status.textContent = `Replayed ${replayed.toLocaleString()} ${plural(replayed)}.`;
  await context.refresh();
}
