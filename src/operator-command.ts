import { parseArgs } from 'node:util';
import { loadCommandConfig } from './command-config.js';
import { isReplayable, type ReplaySelection } from './domain/replay.js';
import type { RetrySelection, TransactionFilter } from './domain/transaction-query.js';
import type { TransactionView } from './http/schemas.js';
import { PROVIDER_REGISTRY, providerNames } from './providers/provider-registry.js';
import { createQueue } from './queue/create-queue.js';
import type { JobQueue } from './queue/job-queue.js';
import { ReconcileUsageError, runReconcileCommand } from './reconcile/reconcile-command.js';
import { runRequeueCommand } from './requeue-command.js';
import { createStore } from './store/create-store.js';
import type { TransactionStore } from './store/transaction-store.js';
import { MAX_LISTED_ATTEMPTS, toAttemptView } from './transactions/attempt-view.js';
import {
  type FilterInput,
  type InputProblem,
  parseFilterInput,
  parseLimit,
} from './transactions/filter-input.js';
import { decodeCursor } from './transactions/list-cursor.js';
import { replayMatching } from './transactions/replay-matching.js';
import { notReplayableReason, replayTransaction } from './transactions/replay-transaction.js';
import { retryFailed } from './transactions/retry-failed.js';
import { RECENT_FAILURES_MS, toStatsView } from './transactions/stats-view.js';
import { DEFAULT_PAGE_SIZE, listTransactionPage, MAX_PAGE_SIZE } from './transactions/transaction-page.js';
import { toTransactionView } from './transactions/transaction-view.js';

/** The registered providers: the values `--provider` takes and the rows of `stats`. */
const PROVIDERS = providerNames(PROVIDER_REGISTRY);

const USAGE = `Usage: cli <command> [options]   (against the configured store, like the service)
  list  [filters] [--limit n] [--cursor c] [--all] [--format json|table]
        transactions newest first, one JSON line each (or a table); the next page's cursor on stderr
  show  <transaction_id>      the transaction and its raw payload
  stats                       counts by status, oldest RECEIVED, failures in the last hour, per provider
  retry [filters] | --ids a,b [--dry-run]
        FAILED transactions back to RECEIVED (--dry-run only counts them)
  requeue <transaction_id>    one FAILED transaction back to RECEIVED (also: npm run requeue)
  attempts <transaction_id>   every run of the handler for it, oldest first, one JSON line each
  replay <transaction_id>     one PROCESSED or FAILED transaction through the handler again
  replay [filters] | --ids a,b [--dry-run]
        every PROCESSED or FAILED match through the handler again (--status PROCESSED or FAILED;
        --dry-run only counts them)
  reconcile [--provider stripe|razorpay] [--since WHEN]
        a reconciliation pass now: recovers Stripe events that never arrived, checks Razorpay
        payments' states; one JSON line per provider (exit 1 if any run failed)
Filters: --status S --provider P --event-type T --payment-id ID --received-via webhook|reconciliation
         --since WHEN --before WHEN   (WHEN: 2026-11-25T10:30:00Z, 2026-11-25, or 15m, 1h, 7d back from now)
Exit codes: 0 done, 1 failed or not found, 2 bad usage.`;

/** Thrown for a command line that cannot be run; the message is printed with the usage. */
class UsageError extends Error {}

const FILTER_OPTIONS = {
  status: { type: 'string' },
  provider: { type: 'string' },
  'event-type': { type: 'string' },
  'payment-id': { type: 'string' },
  since: { type: 'string' },
  before: { type: 'string' },
  'received-via': { type: 'string' },
} as const;

type FilterValues = { [K in keyof typeof FILTER_OPTIONS]?: string };

/** The filter options as the shared parser reads them (the same names as the HTTP query's). */
function filterFrom(values: FilterValues): TransactionFilter {
  const input: FilterInput = {
    status: values.status,
    provider: values.provider,
    event_type: values['event-type'],
    payment_id: values['payment-id'],
    created_after: values.since,
    created_before: values.before,
    received_via: values['received-via'],
  };
  const parsed = parseFilterInput(input, new Date(), { providers: PROVIDERS, durations: true });
  if (!parsed.ok) throw new UsageError(parsed.problems.map(describe).join('\n'));
  return parsed.filter;
}

const OPTION_NAMES: Record<string, string> = {
  event_type: '--event-type',
  payment_id: '--payment-id',
  created_after: '--since',
  created_before: '--before',
  received_via: '--received-via',
};
const describe = (p: InputProblem) => `${OPTION_NAMES[p.field] ?? `--${p.field}`}: ${p.msg}`;

/** One compact line per transaction, for a terminal. */
function tableRow(view: TransactionView): string {
  return [
    view.created_at,
    view.status.padEnd(10),
    (view.provider ?? '-').padEnd(8),
    (view.event_type ?? '-').padEnd(24),
    view.transaction_id,
    view.attempts,
    view.last_error ?? '',
  ].join('  ');
}

async function list(args: string[], store: TransactionStore): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...FILTER_OPTIONS,
      limit: { type: 'string' },
      cursor: { type: 'string' },
      all: { type: 'boolean' },
      format: { type: 'string', default: 'json' },
    },
  });
  if (values.format !== 'json' && values.format !== 'table') throw new UsageError('--format: json or table');
  const filter = filterFrom(values);
  const limit = parseLimit(values.limit, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  if (!limit.ok) throw new UsageError(describe(limit.problem));
  let after: Parameters<typeof listTransactionPage>[2];
  if (values.cursor !== undefined) {
    const decoded = decodeCursor(values.cursor, filter);
    if (!decoded.ok) {
      throw new UsageError(
        decoded.problem === 'other-filter'
          ? '--cursor: issued for other filters; repeat the first command without it'
          : '--cursor: invalid; pass the cursor as it was printed',
      );
    }
    after = decoded.position;
  }
  for (;;) {
    const page = await listTransactionPage(store, filter, after, limit.limit);
    for (const item of page.items) {
      const view = toTransactionView(item);
      console.log(values.format === 'table' ? tableRow(view) : JSON.stringify(view));
    }
    if (!page.nextCursor) return 0;
    if (!values.all) {
      console.error(`more: --cursor ${page.nextCursor}`);
      return 0;
    }
    after = page.items.at(-1);
  }
}

async function show(args: string[], store: TransactionStore): Promise<number> {
  const [transactionId, ...extra] = args;
  if (!transactionId || extra.length > 0) throw new UsageError('show takes one transaction id');
  const record = await store.get(transactionId);
  if (!record) {
    console.error(JSON.stringify({ detail: 'Transaction not found' }));
    return 1;
  }
  console.log(JSON.stringify({ ...toTransactionView(record), payload: record.payload }));
  return 0;
}

async function stats(args: string[], store: TransactionStore): Promise<number> {
  if (args.length > 0) throw new UsageError('stats takes no arguments');
  const now = new Date();
  console.log(
    JSON.stringify(
      toStatsView(await store.stats(new Date(now.getTime() - RECENT_FAILURES_MS)), now, PROVIDERS),
    ),
  );
  return 0;
}

async function retry(
  args: string[],
  store: TransactionStore,
  queue: () => Promise<JobQueue>,
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...FILTER_OPTIONS, ids: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  });
  const { ids, 'dry-run': dryRun, ...filters } = values;
  if (filters.status !== undefined && filters.status !== 'FAILED') {
    throw new UsageError('--status: only FAILED transactions can be retried');
  }
  let selection: RetrySelection;
  if (ids !== undefined) {
    selection = idsSelection(ids, filters);
  } else {
    const { status: _failed, ...filter } = filterFrom(filters);
    selection = { kind: 'filter', filter };
  }
  if (dryRun) {
    console.log(JSON.stringify({ matched: await store.countFailed(selection) }));
    return 0;
  }
  console.log(JSON.stringify({ requeued: await retryFailed(store, await queue(), selection) }));
  return 0;
}

/** `--ids a,b` of a bulk retry or replay: 1 to MAX_PAGE_SIZE distinct ids, never with filters. */
function idsSelection(ids: string, filters: Record<string, unknown>): { kind: 'ids'; ids: string[] } {
  const given = Object.keys(filters).map((k) => `--${k}`);
  if (given.length > 0) throw new UsageError(`--ids cannot be combined with ${given.join(', ')}`);
  const list = [...new Set(ids.split(',').map((id) => id.trim()))].filter((id) => id.length > 0);
  if (list.length === 0 || list.length > MAX_PAGE_SIZE) {
    throw new UsageError(`--ids: 1 to ${MAX_PAGE_SIZE} comma-separated ids`);
  }
  return { kind: 'ids', ids: list };
}

async function attempts(args: string[], store: TransactionStore): Promise<number> {
  const [transactionId, ...extra] = args;
  if (!transactionId || extra.length > 0) throw new UsageError('attempts takes one transaction id');
  const [record, rows] = await Promise.all([
    store.get(transactionId),
    store.listAttempts(transactionId, MAX_LISTED_ATTEMPTS),
  ]);
  if (!record) {
    console.error(JSON.stringify({ detail: 'Transaction not found' }));
    return 1;
  }
  for (const row of rows) console.log(JSON.stringify(toAttemptView(row)));
  return 0;
}

async function replay(
  args: string[],
  store: TransactionStore,
  queue: () => Promise<JobQueue>,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...FILTER_OPTIONS, ids: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  });
  const { ids, 'dry-run': dryRun, ...filters } = values;
  if (positionals.length > 0) {
    const given = Object.keys(values).map((k) => `--${k}`);
    if (positionals.length > 1 || given.length > 0) {
      throw new UsageError('replay takes one transaction id, or filters, or --ids (not together)');
    }
    const result = await replayTransaction(store, await queue(), positionals[0]!);
    if (result.outcome === 'not-found') {
      console.error(JSON.stringify({ detail: 'Transaction not found' }));
      return 1;
    }
    if (result.outcome === 'not-replayable') {
      console.error(JSON.stringify({ detail: notReplayableReason(result.record) }));
      return 1;
    }
    console.log(
      JSON.stringify({ transaction_id: result.record.transactionId, status: result.record.status }),
    );
    return 0;
  }
  let selection: ReplaySelection;
  if (ids !== undefined) {
    selection = idsSelection(ids, filters);
  } else {
    const { status, ...filter } = filterFrom(filters);
    if (status !== undefined && !isReplayable(status)) {
      throw new UsageError('--status: only PROCESSED or FAILED transactions can be replayed');
    }
    selection = { kind: 'filter', filter: status === undefined ? filter : { ...filter, status } };
  }
  if (dryRun) {
    console.log(JSON.stringify({ matched: await store.countReplayable(selection) }));
    return 0;
  }
  console.log(JSON.stringify({ replayed: await replayMatching(store, await queue(), selection) }));
  return 0;
}

/** The commands that `requeue` does not cover; `requeue` keeps its own entry point. */
const COMMANDS = ['list', 'show', 'stats', 'retry', 'attempts', 'replay', 'reconcile'] as const;

/**
 * `cli <command>`: the operators' list, detail, attempts, stats, bulk retry and replay for a
 * container without a browser, working on the configured store directly (and its queue, to ring
 * for retried and replayed transactions; with the in-process queue the running worker's sweep picks
 * them up). Prints JSON
 * lines; returns the exit code (0 done, 1 not found or failed, 2 bad usage).
 */
export async function runOperatorCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...args] = argv;
  if (command === 'requeue') return runRequeueCommand(args, env);
  if (!command || !(COMMANDS as readonly string[]).includes(command)) {
    console.error(command && command !== '--help' ? `Unknown command "${command}"\n${USAGE}` : USAGE);
    return command === '--help' ? 0 : 2;
  }
  const config = loadCommandConfig(env);
  if (!config) return 1;
  const store = await createStore(config.store);
  let queue: JobQueue | undefined;
  const openQueue = async () => {
    queue = await createQueue(config.queue);
    await queue.ready();
    return queue;
  };
  try {
    await store.ready();
    switch (command as (typeof COMMANDS)[number]) {
      case 'list':
        return await list(args, store);
      case 'show':
        return await show(args, store);
      case 'stats':
        return await stats(args, store);
      case 'retry':
        return await retry(args, store, openQueue);
      case 'reconcile':
        return await runReconcileCommand(args, config, store, openQueue);
      case 'attempts':
        return await attempts(args, store);
      case 'replay':
        return await replay(args, store, openQueue);
      default:
        throw new UsageError(`Unknown command "${command}"`);
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof ReconcileUsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(`${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  } finally {
    await queue?.close();
    await store.close();
  }
}
