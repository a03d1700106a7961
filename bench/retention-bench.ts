/**
 * The retention rows of `npm run bench`, on the embedded deployment (SQLite FULL, API and worker in
 * one process): fresh ids at a fixed rate for a few minutes with a retention of a minute, sampling
 * the database file's size as it goes (it must level off once the first minute's rows expire); then
 * the same rate on a store seeded with a backlog of expired rows, with retention off and then on
 * (deleting the backlog while webhooks arrive), to compare their p99.
 */
import { copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, MAIN, runLoadClient, startProcess } from './bench-processes.js';
import type { RetentionResult, RetentionSample } from './bench-report.js';
import type { LoadResult, LoadSpec } from './load-client.js';
import { seedSqlite } from './operator-seed.js';

/** Retention of every run with it on: a minute. */
const RETENTION_SECONDS = 60;
/** A handler delay the worker keeps up with, as in the soak. */
const PROCESS_DELAY_SECONDS = 0.1;
/** Unreported paced load first (JIT, page cache), as the other rows do. */
const WARM_UP_SECONDS = 5;
/** Longest wait, after the backlog run, for retention to go through the whole backlog. */
const CLEAR_WAIT_MS = 600_000;

/** What {@link measureRetention} needs from the bench. */
export interface RetentionBenchOptions {
  /** A directory of its own for the database files, removed by the caller. */
  dir: string;
  /** Requests per second of every run (paced, open loop). */
  rate: number;
  connections: number;
  /** Length of the steady run whose file size is sampled. */
  steadySeconds: number;
  /** Rows seeded for the backlog runs, nearly all of them finished and expired. */
  backlogRows: number;
  /** Length of each backlog run (with and without retention). */
  loadSeconds: number;
  /** A new id scheme per load run, so no run repeats another's ids. */
  fresh: () => LoadSpec['ids'];
  log: (line: string) => void;
}

const bytes = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** The value of an unlabelled series of the service's `/metrics`, or NaN. */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : Number.NaN;
}

/** Starts the embedded service (`all`) on the file at `path`, retention on or off. */
async function startEmbedded(name: string, path: string, retention: boolean) {
  const port = await freePort();
  return startProcess(
    `retention ${name}`,
    MAIN,
    ['all'],
    {
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      SQLITE_PATH: path,
      SQLITE_SYNCHRONOUS: 'FULL',
      PROCESS_DELAY_SECONDS: String(PROCESS_DELAY_SECONDS),
      RETENTION_DAYS: retention ? String(RETENTION_SECONDS / 86_400) : '0',
      // Often enough that a row lives about a minute, not two.
      RETENTION_INTERVAL_SECONDS: '5',
    },
    port,
  );
}

/** Fresh ids at the bench's rate for `seconds`, against `url`. */
const paced = (options: RetentionBenchOptions, url: string, seconds: number): Promise<LoadResult> =>
  runLoadClient({
    url,
    connections: options.connections,
    durationSeconds: seconds,
    rate: options.rate,
    ids: options.fresh(),
    tool: 'autocannon',
  });

const describe = (r: LoadResult) =>
  `${Math.round(r.requestsPerSecond)} req/s, p50 ${r.latencyP50.toFixed(2)} ms, p99 ${r.latencyP99.toFixed(2)} ms, max ${r.latencyMax.toFixed(2)} ms, errors ${r.errors + r.non2xx}`;

/** The steady run: the file's size every 10 s while rows arrive and expire. */
async function steadyRun(options: RetentionBenchOptions): Promise<RetentionResult['steady']> {
  const path = join(options.dir, 'steady.db');
  const service = await startEmbedded('steady', path, true);
  try {
    const samples: RetentionSample[] = [];
    const started = Date.now();
    const sample = async () => {
      const stats = (await (await fetch(`${service.url}/v1/stats`)).json()) as { total: number };
      samples.push({
        second: Math.round((Date.now() - started) / 1000),
        dbBytes: bytes(path),
        walBytes: bytes(`${path}-wal`),
        rows: stats.total,
      });
    };
    const sampler = setInterval(() => void sample().catch(() => undefined), 10_000);
    let load: LoadResult;
    try {
      load = await paced(options, service.url, options.steadySeconds);
    } finally {
      clearInterval(sampler);
    }
    await sample();
    const half = samples.filter((s) => s.second >= options.steadySeconds / 2);
    const atHalf = half[0]?.dbBytes ?? Number.NaN;
    const maxAfter = Math.max(...half.map((s) => s.dbBytes));
    const steady = {
      seconds: options.steadySeconds,
      load,
      samples,
      growthSecondHalfPercent: ((maxAfter - atHalf) / atHalf) * 100,
      walMaxBytes: Math.max(...samples.map((s) => s.walBytes)),
    };
    options.log(
      `  steady ${options.steadySeconds} s: ${describe(load)}; file ${samples.map((s) => `${s.second}s ${mb(s.dbBytes)}`).join(', ')}; ` +
        `second half +${steady.growthSecondHalfPercent.toFixed(1)}%, WAL at most ${mb(steady.walMaxBytes)}`,
    );
    return steady;
  } finally {
    await service.stop();
  }
}

/** One backlog run: warm-up, then the measured paced load; with retention, what it deleted meanwhile. */
async function backlogRun(options: RetentionBenchOptions, path: string, retention: boolean) {
  const started = Date.now();
  const service = await startEmbedded(retention ? 'backlog on' : 'backlog off', path, retention);
  try {
    await paced(options, service.url, WARM_UP_SECONDS);
    const deletedBefore = await metric(service.url, 'webhooks_retention_deleted_total');
    const load = await paced(options, service.url, options.loadSeconds);
    const deletedDuringLoad = (await metric(service.url, 'webhooks_retention_deleted_total')) - deletedBefore;
    let clearedSeconds: number | null = null;
    if (retention) {
      // The first run ends once it has gone through every row expired when it began: the backlog.
      const deadline = Date.now() + CLEAR_WAIT_MS;
      while (Date.now() < deadline) {
        if ((await metric(service.url, 'webhooks_retention_last_run_timestamp_seconds')) > 0) {
          clearedSeconds = (Date.now() - started) / 1000;
          break;
        }
        await sleep(1000);
      }
    }
    return {
      load,
      deletedDuringLoad,
      deletedTotal: await metric(service.url, 'webhooks_retention_deleted_total'),
      clearedSeconds,
    };
  } finally {
    await service.stop();
  }
}

/** Both retention measurements (see the module's comment). */
export async function measureRetention(options: RetentionBenchOptions): Promise<RetentionResult> {
  const { log } = options;
  log(`retention: steady fresh ids at ${options.rate} req/s, RETENTION_DAYS = ${RETENTION_SECONDS} s`);
  const steady = await steadyRun(options);

  log(`retention: seeding a backlog of ${options.backlogRows.toLocaleString('en-US')} transactions`);
  const seeded = join(options.dir, 'backlog.db');
  const seed = await seedSqlite(seeded, options.backlogRows);
  log(`  seeded in ${seed.seconds.toFixed(1)} s`);
  const off = join(options.dir, 'backlog-off.db');
  const on = join(options.dir, 'backlog-on.db');
  copyFileSync(seeded, off);
  copyFileSync(seeded, on);

  const without = await backlogRun(options, off, false);
  log(`  no backlog (retention off): ${describe(without.load)}`);
  const withBacklog = await backlogRun(options, on, true);
  log(
    `  backlog being deleted: ${describe(withBacklog.load)}; ${withBacklog.deletedDuringLoad.toLocaleString('en-US')} rows deleted during the run; ` +
      `backlog ${withBacklog.clearedSeconds === null ? 'not cleared' : `cleared ${withBacklog.clearedSeconds.toFixed(0)} s after the start`} ` +
      `(${withBacklog.deletedTotal.toLocaleString('en-US')} rows)`,
  );
  const ratio = withBacklog.load.latencyP99 / without.load.latencyP99;
  log(`  p99 with the backlog / without: ${ratio.toFixed(2)} (target at most 2)`);
  return {
    rate: options.rate,
    retentionSeconds: RETENTION_SECONDS,
    processDelaySeconds: PROCESS_DELAY_SECONDS,
    steady,
    backlog: {
      rows: options.backlogRows,
      loadSeconds: options.loadSeconds,
      without: without.load,
      with: withBacklog.load,
      deletedDuringLoad: withBacklog.deletedDuringLoad,
      deletedTotal: withBacklog.deletedTotal,
      clearedSeconds: withBacklog.clearedSeconds,
      clearWaitSeconds: CLEAR_WAIT_MS / 1000,
      p99Ratio: ratio,
    },
  };
}
