/**
 * The reconciliation row of `npm run bench`: one Stripe recovery pass over many listed events,
 * run as an operator runs one (`cli reconcile --provider stripe`, its own process) against a local
 * stand-in of Stripe's events list held by the bench process. Measured twice on a fresh store:
 * every event missing (all stored, each enqueued), then again from the start of the window
 * (`--since`), every event found already stored.
 */
import { startStripeStandIn } from '../test/helpers/provider-api-stand-ins.js';
import { STRIPE_PAYMENT_FIXTURES, stripeFixtureEvent } from '../test/helpers/reconcile-fixtures.js';
import type { Deployment } from './bench-deployments.js';
import { MAIN } from './bench-processes.js';
import type { ReconcileRow } from './bench-report.js';
import { runCommand } from './run-command.js';

const KEY = 'rk_test_bench_reconcile';

interface PrintedRun {
  started_at: string;
  finished_at: string;
  checked: number;
  recovered: number;
  error: string | null;
}

/** Runs `cli reconcile --provider stripe …` with `env`; resolves with the run it printed and the wall time. */
async function pass(
  env: Record<string, string>,
  args: string[],
): Promise<{ run: PrintedRun; wallSeconds: number }> {
  const started = performance.now();
  const result = await runCommand(
    process.execPath,
    [MAIN, 'cli', 'reconcile', '--provider', 'stripe', ...args],
    {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    },
  );
  const wallSeconds = (performance.now() - started) / 1000;
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.code !== 0) throw new Error(`cli reconcile exited ${result.code}: ${line} ${result.stderr}`);
  return { run: JSON.parse(line) as PrintedRun, wallSeconds };
}

/** One recovery pass over `events` listed events per deployment, then the same window again. */
export async function measureReconcile(
  deployments: readonly Deployment[],
  events: number,
  log: (line: string) => void,
): Promise<ReconcileRow[]> {
  const now = Math.floor(Date.now() / 1000);
  const span = 48 * 3600;
  const listed = Array.from(
    { length: events },
    (_, i) =>
      stripeFixtureEvent(STRIPE_PAYMENT_FIXTURES[i % STRIPE_PAYMENT_FIXTURES.length]!, {
        created: now - span + Math.floor((span * i) / events),
      }).event,
  );
  const standIn = await startStripeStandIn(undefined, KEY, listed);
  const rows: ReconcileRow[] = [];
  try {
    for (const deployment of deployments) {
      const env = {
        ...(await deployment.environment('reconcile')),
        STRIPE_API_KEY: KEY,
        STRIPE_API_BASE: standIn.url,
      };
      for (const [label, args] of [
        ['every event missing', []],
        ['again, every event stored (--since 72h)', ['--since', '72h']],
      ] as const) {
        log(`${deployment.label}: reconcile, ${label}`);
        const { run, wallSeconds } = await pass(env, [...args]);
        if (run.error !== null || run.checked !== events) {
          throw new Error(`reconcile pass: ${JSON.stringify(run)}`);
        }
        const seconds = (Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000;
        rows.push({
          label: `${deployment.label}: ${label}`,
          listed: run.checked,
          stored: run.recovered,
          seconds,
          eventsPerSecond: run.checked / seconds,
          wallSeconds,
        });
      }
    }
  } finally {
    await standIn.close();
  }
  return rows;
}
