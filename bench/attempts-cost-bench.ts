/**
 * What recording attempts costs per processed transaction: one worker process drains a backlog
 * with the history on, then with it off (`ATTEMPT_HISTORY=off`, the internal switch that exists for
 * this row only), alternated, each run on a fresh store. The backlog is written straight into the
 * store by this process once the worker is up and measured from (so neither the worker's start nor
 * an API's ingest is in its figure); the worker finds it by sweeping the store, as it does for rows
 * no job covers. The handler is the default one with no delay, so a transaction costs little more
 * than its claim and its completion: the history's share of that is as large as it gets.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TransactionStore } from '../src/store/transaction-store.js';
import { newTransaction } from '../test/helpers/sample-transaction.js';
import { type Deployment, openStore, startWorker } from './bench-deployments.js';
import type { BenchProcess } from './bench-processes.js';
import { startCpuMeter } from './cpu-usage.js';

/** One drain of the attempts-cost row. */
export interface AttemptsCostRun {
  mode: string;
  label: string;
  history: boolean;
  transactions: number;
  /** From the first write of the backlog until every transaction is PROCESSED. */
  seconds: number;
  /** CPU of the worker process (all its threads) per processed transaction, in microseconds. */
  workerUs: number;
  /** Busy CPU of the whole machine per processed transaction (database, this process's writes and anything else running). */
  machineUs: number;
}

/** Rows written per insert while the worker drains. */
const INSERT_BATCH = 1000;

/** Waits until the worker process logs that it started (it logs at info for this row). */
async function workerStarted(worker: BenchProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!worker.output().includes('"msg":"worker started"')) {
    if (worker.child.exitCode !== null) throw new Error(`worker exited:\n${worker.output()}`);
    if (Date.now() > deadline) throw new Error(`worker did not start within 30 s:\n${worker.output()}`);
    await sleep(20);
  }
}

async function drainOnce(
  deployment: Deployment,
  phase: string,
  history: boolean,
  transactions: number,
): Promise<AttemptsCostRun> {
  const worker = await startWorker(deployment, phase, {
    LOG_LEVEL: 'info',
    PROCESS_DELAY_SECONDS: '0',
    ATTEMPT_HISTORY: history ? 'on' : 'off',
    // The backlog has no jobs: the worker takes it from the store, as a lone worker polls it.
    RECEIVED_STALE_SECONDS: '0',
    SWEEP_INTERVAL_SECONDS: '0.5',
  });
  let store: TransactionStore | undefined;
  try {
    await workerStarted(worker);
    store = await openStore(deployment, phase);
    const meter = startCpuMeter([worker.child.pid]);
    const started = performance.now();
    for (let written = 0; written < transactions; written += INSERT_BATCH) {
      const count = Math.min(INSERT_BATCH, transactions - written);
      await store.insertMany(Array.from({ length: count }, () => newTransaction()));
    }
    const deadline = started + 180_000;
    for (;;) {
      const counts = await store.countByStatus();
      if (counts.PROCESSED >= transactions) break;
      if (worker.child.exitCode !== null) throw new Error(`worker exited:\n${worker.output()}`);
      if (performance.now() > deadline)
        throw new Error(`drain not done after 180 s: ${JSON.stringify(counts)}`);
      await sleep(50);
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = meter.finish(transactions);
    if (!cpu) throw new Error('CPU readings unavailable (Linux /proc is needed)');
    return {
      mode: deployment.key,
      label: deployment.label,
      history,
      transactions,
      seconds,
      workerUs: cpu.serverUs,
      machineUs: cpu.machineUs,
    };
  } finally {
    await store?.close();
    await worker.stop();
  }
}

/**
 * Alternates drains with and without the history on `deployment`, `rounds` of each, on a fresh
 * store every time.
 */
export async function measureAttemptsCost(
  deployment: Deployment,
  transactions: number,
  rounds: number,
  log: (line: string) => void,
): Promise<AttemptsCostRun[]> {
  const runs: AttemptsCostRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Which goes first alternates too, so a machine that slows down over the run favours neither.
    const order = round % 2 === 1 ? [true, false] : [false, true];
    for (const history of order) {
      const run = await drainOnce(
        deployment,
        `attempts${history ? 'on' : 'off'}${round}`,
        history,
        transactions,
      );
      log(
        `  ${deployment.key} history ${history ? 'on ' : 'off'} (round ${round}): ${run.seconds.toFixed(2)} s, ` +
          `worker ${run.workerUs.toFixed(1)} µs/transaction, machine ${run.machineUs.toFixed(1)} µs/transaction`,
      );
      runs.push(run);
    }
  }
  return runs;
}

/** The mean figures of each mode with and without the history, and the difference, as report lines. */
export function attemptsCostLines(runs: readonly AttemptsCostRun[]): string[] {
  const lines: string[] = [];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
  for (const mode of [...new Set(runs.map((r) => r.mode))]) {
    const of = (history: boolean) => runs.filter((r) => r.mode === mode && r.history === history);
    const on = of(true);
    const off = of(false);
    if (on.length === 0 || off.length === 0) continue;
    const w = [mean(on.map((r) => r.workerUs)), mean(off.map((r) => r.workerUs))] as const;
    const m = [mean(on.map((r) => r.machineUs)), mean(off.map((r) => r.machineUs))] as const;
    const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(0)}%`;
    lines.push(
      `Recording attempts, ${on[0]!.label}: worker CPU ${w[0].toFixed(1)} µs per processed transaction with the ` +
        `history, ${w[1].toFixed(1)} without (${pct(w[0], w[1])}); machine ${m[0].toFixed(1)} against ${m[1].toFixed(1)} ` +
        `(${pct(m[0], m[1])}); mean of ${on.length} drains of ${on[0]!.transactions.toLocaleString('en-US')} each.`,
    );
  }
  return lines;
}
