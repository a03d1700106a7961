import { parseArgs } from 'node:util';
import { destination } from 'pino';
import type { Config } from '../config.js';
import type { Provider } from '../domain/provider-event.js';
import { createLogger } from '../logger.js';
import { readStoredEvent } from '../providers/enabled-providers.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { TransactionStore } from '../store/transaction-store.js';
import { parseInstant } from '../transactions/filter-input.js';
import { createReconciler } from './create-reconciler.js';
import { toRunView } from './reconciliation-view.js';

/** The providers whose APIs reconciliation reads: Stripe's events list, Razorpay's payments list. */
const RECONCILED_PROVIDERS = ['stripe', 'razorpay'] as const;

/** Thrown for a command line that cannot be run: exit 2 with the message. */
export class ReconcileUsageError extends Error {}

const SKIPPED: Record<string, string> = {
  busy: 'another process is reconciling this provider now; try again when it has finished',
  'lease-lost':
    'the run outlived its lease and another process took over; see its result in GET /v1/reconciliation',
  stopped: 'interrupted',
};

/**
 * `cli reconcile [--provider stripe|razorpay] [--since 24h]`: runs a reconciliation pass now, in this
 * process, against the configured store and the providers whose API credentials are set, without
 * waiting for the schedule (the lease still keeps it from running beside a worker's run). `--since`
 * starts from that instant instead of the watermark (Stripe) or the lookback (Razorpay). Prints one
 * JSON line per provider (the run, as `GET /v1/reconciliation` shows it); returns 0 when every run
 * completed, 1 otherwise. Recovered events are enqueued on the configured queue; with the
 * in-process queue the running worker's sweep picks them up.
 */
export async function runReconcileCommand(
  args: string[],
  config: Config,
  store: TransactionStore,
  openQueue: () => Promise<JobQueue>,
): Promise<number> {
  // Without allowPositionals, parseArgs refuses a stray argument (exit 2 with the usage).
  const { values } = parseArgs({
    args,
    options: { provider: { type: 'string' }, since: { type: 'string' } },
  });
  const provider = values.provider;
  if (provider !== undefined && !(RECONCILED_PROVIDERS as readonly string[]).includes(provider)) {
    throw new ReconcileUsageError(`--provider: ${RECONCILED_PROVIDERS.join(' or ')}`);
  }
  let since: Date | null = null;
  if (values.since !== undefined) {
    since = parseInstant(values.since, new Date(), true);
    if (!since) throw new ReconcileUsageError('--since: 24h, 7d, 2026-11-25 or 2026-11-25T10:30:00Z');
  }
  const configured = RECONCILED_PROVIDERS.filter((p) => config.reconcile[p] !== null);
  if (provider !== undefined && !(configured as readonly string[]).includes(provider)) {
    console.error(
      provider === 'stripe'
        ? 'reconcile: Stripe is not configured: set STRIPE_API_KEY'
        : 'reconcile: Razorpay is not configured: set RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET',
    );
    return 1;
  }
  if (configured.length === 0) {
    console.error(
      'reconcile: no provider is configured: set STRIPE_API_KEY, or RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET',
    );
    return 1;
  }
  const queue = await openQueue();
  // Log lines go to stderr: stdout carries the summary.
  const log = createLogger(config.logLevel, destination(2));
  const reconciler = createReconciler(config.reconcile, { store, queue, log, readEvent: readStoredEvent });
  if (!reconciler) return 1;
  try {
    const attempts = await reconciler.runNow({ provider: provider as Provider | undefined, since });
    let ok = true;
    for (const attempt of attempts) {
      if ('run' in attempt) {
        console.log(JSON.stringify(toRunView(attempt.run)));
        ok &&= attempt.run.error === null;
      } else {
        console.log(JSON.stringify({ provider: attempt.provider, skipped: SKIPPED[attempt.skipped] }));
        ok = false;
      }
    }
    return ok ? 0 : 1;
  } finally {
    await reconciler.stop();
  }
}
