/**
 * `npm run bench`: starts the service itself in each deployment, drives webhook load at it from a
 * separate process (autocannon), and measures in the same run a ceiling (a bare Fastify route that
 * validates the same body and stores nothing). Then drains a backlog with one worker process, and
 * watches memory under a fixed rate (the soak). Writes bench/results/latest.json and latest.md and
 * prints the table.
 *
 * Options: `--duration <s>` per load run (10), `--connections <n>` (32), `--soak` (a 5-minute soak;
 * default 30 s), `--soak-seconds <s>` (0 skips it), `--only <keys>` (comma-separated among
 * embedded, embedded-normal, postgres-redis, operator, reconcile, retention, attempts-cost), `--no-drain`,
 * `--no-forward` (skips the forwarding drain), `--forward-only` (only the forwarding drain rows),
 * `--out <dir>` (bench/results), `--client wrk` (closed-loop runs from wrk instead of autocannon;
 * wrk must be on PATH), `--operator-rows <n>` (transactions in the store of the operators' rows,
 * 1,000,000; `--only operator` runs only those rows), `--scenarios <keys>` (comma-separated among
 * fresh, razorpay, payu, sequential, duplicate, rate: only those of each deployment's load rows),
 * `--reconcile-events <n>` (events listed to the reconciliation pass, 10,000; `--only reconcile`
 * runs only that row), `--retention-seconds <s>` (the retention row's steady run, 240),
 * `--retention-rows <n>` (its backlog, 1,000,000), `--retention-load-seconds <s>` (each backlog run,
 * 30; `--only retention` runs only the retention rows), `--attempts-transactions <n>` and
 * `--attempts-rounds <n>` (the attempts-cost row: drains of 10,000, two with the history and two
 * without, per store; `--only attempts-cost` runs only it).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { unsupportedNodeVersion } from '../src/node-version.js';
import { forwardSecret, startForwardReceiver } from '../test/helpers/forward-receiver.js';
import { measureAttemptsCost } from './attempts-cost-bench.js';
import {
  type Deployment,
  embeddedDeployment,
  openStore,
  postgresRedisDeployment,
  type RunningService,
  startApiOnly,
  startService,
  startWorker,
} from './bench-deployments.js';
import {
  CEILING_SERVER,
  freePort,
  memoryOf,
  runLoadClient,
  startProcess,
  stopAll,
} from './bench-processes.js';
import {
  type BenchResults,
  type DrainRow,
  type ForwardDrainRow,
  f1,
  f2,
  type IngestRow,
  renderMarkdown,
  type SoakResult,
} from './bench-report.js';
import { type CpuPerRequest, startCpuMeter } from './cpu-usage.js';
import type { LoadResult, LoadSpec } from './load-client.js';
import { measurePostgresOperator, measureSqliteOperator } from './operator-bench.js';
import { measureReconcile } from './reconcile-bench.js';
import { measureRetention } from './retention-bench.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    soak: { type: 'boolean', default: false },
    'soak-seconds': { type: 'string' },
    only: { type: 'string' },
    'no-drain': { type: 'boolean', default: false },
    'no-forward': { type: 'boolean', default: false },
    'forward-only': { type: 'boolean', default: false },
    out: { type: 'string', default: join(process.cwd(), 'bench', 'results') },
    client: { type: 'string', default: 'autocannon' },
    'operator-rows': { type: 'string', default: '1000000' },
    scenarios: { type: 'string' },
    'reconcile-events': { type: 'string', default: '10000' },
    'retention-seconds': { type: 'string', default: '240' },
    'retention-rows': { type: 'string', default: '1000000' },
    'retention-load-seconds': { type: 'string', default: '30' },
    'attempts-transactions': { type: 'string', default: '10000' },
    'attempts-rounds': { type: 'string', default: '2' },
  },
});

const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const SOAK_SECONDS = Number(args['soak-seconds'] ?? (args.soak ? 300 : 30));
const ONLY = args.only?.split(',').map((s) => s.trim());
const FORWARD_ONLY = args['forward-only'];
const SCENARIOS = args.scenarios?.split(',').map((s) => s.trim());
if (args.client !== 'autocannon' && args.client !== 'wrk') {
  throw new Error(`--client must be autocannon or wrk, not ${args.client}`);
}
const CLIENT: 'autocannon' | 'wrk' = args.client;
/** The latency target is stated at this rate. */
const FIXED_RATE = 1000;
/** Ids posted once before the duplicate run, then cycled through. */
const DUPLICATE_POOL = 5000;
const DRAIN_TRANSACTIONS = 10_000;
const OPERATOR_ROWS = Number(args['operator-rows']);
const RECONCILE_EVENTS = Number(args['reconcile-events']);
const RUN_ID = Date.now().toString(36);

const log = (line: string) => process.stderr.write(`${line}\n`);
const wanted = (key: string) => ONLY === undefined || ONLY.includes(key);

let idSeq = 0;
const fresh = (): LoadSpec['ids'] => ({ kind: 'fresh', prefix: `b${RUN_ID}-${idSeq++}` });

async function load(url: string, spec: Partial<LoadSpec> & Pick<LoadSpec, 'ids'>): Promise<LoadResult> {
  return runLoadClient({ url, connections: CONNECTIONS, durationSeconds: DURATION, tool: CLIENT, ...spec });
}

/** A reported load run and, where /proc can tell, the CPU it cost. */
type MeasuredLoad = Pick<IngestRow, 'load' | 'cpu'>;

/** A reported load run, with the CPU it cost the server processes `pids` and the machine. */
async function measuredLoad(
  url: string,
  pids: ReadonlyArray<number | undefined>,
  spec: Partial<LoadSpec> & Pick<LoadSpec, 'ids'>,
): Promise<MeasuredLoad> {
  const meter = startCpuMeter(pids);
  const result = await load(url, spec);
  const cpu = meter.finish(result.totalRequests);
  return cpu ? { load: result, cpu } : { load: result };
}

// Two decimals for latencies: the paced client measures in fractions of a microsecond.
const describeLoad = (r: LoadResult) =>
  `${Math.round(r.requestsPerSecond)} req/s, p50 ${f2(r.latencyP50)} ms, p99 ${f2(r.latencyP99)} ms, max ${f2(r.latencyMax)} ms, errors ${r.errors}, non-2xx ${r.non2xx}`;

/** The mean of CPU figures of runs averaged into one row; undefined unless every run has them. */
function meanCpu(runs: ReadonlyArray<CpuPerRequest | undefined>): CpuPerRequest | undefined {
  const known = runs.filter((c) => c !== undefined);
  if (known.length === 0 || known.length !== runs.length) return undefined;
  const mean = (pick: (c: CpuPerRequest) => number) => known.reduce((a, c) => a + pick(c), 0) / known.length;
  return {
    serverUs: mean((c) => c.serverUs),
    machineUs: mean((c) => c.machineUs),
    machineIdle: mean((c) => c.machineIdle),
  };
}

const describeCpu = (cpu: CpuPerRequest | undefined) =>
  cpu
    ? `; CPU per request ${f1(cpu.serverUs)} µs server, ${f1(cpu.machineUs)} µs machine (${Math.round(cpu.machineIdle * 100)}% idle)`
    : '';

/**
 * Warm-up (JIT, connection pools, page cache) that is not reported; `withProvider` also warms the
 * Razorpay endpoint's path (the ceiling has none).
 */
async function warmUp(url: string, withProvider = false): Promise<void> {
  await load(url, { durationSeconds: 3, ids: fresh() });
  if (withProvider) await load(url, { durationSeconds: 2, ids: fresh(), sender: 'razorpay' });
}

function peakRss(processes: RunningService['processes']): Record<string, number> {
  const peak: Record<string, number> = {};
  for (const p of processes) {
    const mb = p.peakRssMb();
    if (mb !== undefined) peak[p.name.split(' ').at(-1) ?? p.name] = mb;
  }
  return peak;
}

async function measureCeiling(results: BenchResults, withRate: boolean): Promise<void> {
  const port = await freePort();
  const server = await startProcess('ceiling', CEILING_SERVER, [], { PORT: String(port) }, port);
  const url = server.url;
  const pids = [server.child.pid];
  try {
    await warmUp(url);
    const freeRun = await measuredLoad(url, pids, { ids: fresh() });
    log(`  ceiling fresh: ${describeLoad(freeRun.load)}${describeCpu(freeRun.cpu)}`);
    results.ceiling.freeRps.push(freeRun.load.requestsPerSecond);
    const rows: IngestRow[] = [
      {
        mode: 'ceiling',
        label: 'ceiling (bare Fastify)',
        scenario: 'fresh',
        connections: CONNECTIONS,
        ...freeRun,
        peakRssMb: {},
      },
    ];
    if (withRate) {
      const rated = await measuredLoad(url, pids, { rate: FIXED_RATE, ids: fresh() });
      log(`  ceiling at ${FIXED_RATE} req/s: ${describeLoad(rated.load)}${describeCpu(rated.cpu)}`);
      rows.push({
        mode: 'ceiling',
        label: 'ceiling (bare Fastify)',
        scenario: 'rate',
        rate: FIXED_RATE,
        connections: CONNECTIONS,
        ...rated,
        peakRssMb: {},
      });
    }
    const peak = server.peakRssMb();
    for (const row of rows) row.peakRssMb = peak === undefined ? {} : { server: peak };
    results.ingest.push(...rows);
  } finally {
    await server.stop();
  }
}

async function measureService(
  results: BenchResults,
  deployment: Deployment,
  scenarios: ReadonlyArray<IngestRow['scenario']>,
): Promise<void> {
  const service = await startService(deployment, 'ingest');
  const rows: IngestRow[] = [];
  const row = (scenario: IngestRow['scenario'], measured: MeasuredLoad): IngestRow => ({
    mode: deployment.key,
    label: deployment.label,
    scenario,
    connections: CONNECTIONS,
    ...measured,
    peakRssMb: {},
    ...(scenario === 'rate' ? { rate: FIXED_RATE } : {}),
  });
  const pids = service.processes.map((p) => p.child.pid);
  try {
    await warmUp(service.url, scenarios.includes('razorpay'));
    if (scenarios.includes('payu'))
      await load(service.url, { durationSeconds: 2, ids: fresh(), sender: 'payu' });
    for (const scenario of scenarios) {
      let measured: MeasuredLoad;
      if (scenario === 'fresh') {
        measured = await measuredLoad(service.url, pids, { ids: fresh() });
      } else if (scenario === 'razorpay') {
        measured = await measuredLoad(service.url, pids, { ids: fresh(), sender: 'razorpay' });
      } else if (scenario === 'payu') {
        measured = await measuredLoad(service.url, pids, { ids: fresh(), sender: 'payu' });
      } else if (scenario === 'sequential') {
        const ids = { kind: 'sequential', prefix: `s${RUN_ID}-${idSeq++}` } as const;
        measured = await measuredLoad(service.url, pids, { ids });
      } else if (scenario === 'duplicate') {
        const ids = { kind: 'cycle', prefix: `d${RUN_ID}-${deployment.key}`, pool: DUPLICATE_POOL } as const;
        // Post the pool once (fresh), then measure repeats of it only.
        await load(service.url, { amount: DUPLICATE_POOL, ids });
        measured = await measuredLoad(service.url, pids, { ids });
      } else {
        measured = await measuredLoad(service.url, pids, { rate: FIXED_RATE, ids: fresh() });
      }
      log(`  ${deployment.key} ${scenario}: ${describeLoad(measured.load)}${describeCpu(measured.cpu)}`);
      rows.push(row(scenario, measured));
    }
    const peak = peakRss(service.processes);
    for (const r of rows) r.peakRssMb = peak;
    results.ingest.push(...rows);
  } finally {
    await service.stop();
  }
}

/** Loads {@link DRAIN_TRANSACTIONS} webhooks through the API of `phase`, with no worker running. */
async function seedBacklog(deployment: Deployment, phase: string): Promise<void> {
  const api = await startApiOnly(deployment, phase);
  try {
    const seeded = await runLoadClient({
      url: api.url,
      connections: CONNECTIONS,
      durationSeconds: 60,
      amount: DRAIN_TRANSACTIONS,
      ids: fresh(),
    });
    const accepted = seeded.statusCodes['202'] ?? 0;
    if (accepted !== DRAIN_TRANSACTIONS) {
      throw new Error(`drain seed: ${accepted} of ${DRAIN_TRANSACTIONS} webhooks accepted`);
    }
  } finally {
    await api.stop();
  }
}

/**
 * Starts one worker process on the backlog of `phase` and times it, watching the store from here,
 * until every transaction is PROCESSED (or FAILED, which is logged). Returns the seconds from
 * spawning the worker and its peak RSS.
 */
async function timeDrain(
  deployment: Deployment,
  phase: string,
  workerEnv: Record<string, string>,
): Promise<{ seconds: number; peakRssMb: number | undefined }> {
  const store = await openStore(deployment, phase);
  try {
    const started = performance.now();
    const worker = await startWorker(deployment, phase, workerEnv);
    try {
      const deadline = started + 180_000;
      for (;;) {
        const counts = await store.countByStatus();
        if (counts.PROCESSED + counts.FAILED >= DRAIN_TRANSACTIONS) {
          if (counts.FAILED > 0) log(`  ${deployment.key} ${phase}: ${counts.FAILED} FAILED`);
          return { seconds: (performance.now() - started) / 1000, peakRssMb: worker.peakRssMb() };
        }
        if (worker.child.exitCode !== null) throw new Error(`worker exited:\n${worker.output()}`);
        if (performance.now() > deadline)
          throw new Error(`drain not done after 180 s: ${JSON.stringify(counts)}`);
        await sleep(50);
      }
    } finally {
      await worker.stop();
    }
  } finally {
    await store.close();
  }
}

/** One worker process drains a backlog of {@link DRAIN_TRANSACTIONS} with the default handler's delay. */
async function measureDrain(deployment: Deployment, delaySeconds: number): Promise<DrainRow> {
  const phase = `drain${String(delaySeconds).replace('.', '_')}`;
  await seedBacklog(deployment, phase);
  const concurrency = 1000;
  const { seconds, peakRssMb } = await timeDrain(deployment, phase, {
    PROCESS_DELAY_SECONDS: String(delaySeconds),
    WORKER_CONCURRENCY: String(concurrency),
  });
  const drained: DrainRow = {
    mode: deployment.key,
    label: deployment.label,
    transactions: DRAIN_TRANSACTIONS,
    delaySeconds,
    workerConcurrency: concurrency,
    seconds,
    perSecond: DRAIN_TRANSACTIONS / seconds,
    workerPeakRssMb: peakRssMb,
  };
  log(
    `  ${deployment.key} drain, delay ${delaySeconds} s: ${seconds.toFixed(2)} s (${Math.round(drained.perSecond)}/s)`,
  );
  return drained;
}

/**
 * One worker process drains a backlog of {@link DRAIN_TRANSACTIONS} through the forwarding handler
 * to a receiver in this process that answers 200 at once and counts what it gets (without
 * verifying signatures: the tests do that). Every id must reach it at least once.
 */
async function measureForwardDrain(deployment: Deployment): Promise<ForwardDrainRow> {
  const phase = 'forward';
  await seedBacklog(deployment, phase);
  const secret = forwardSecret();
  const receiver = await startForwardReceiver(secret, { verify: false });
  const workerConcurrency = 1000;
  const forwardConcurrency = 64;
  try {
    const { seconds, peakRssMb } = await timeDrain(deployment, phase, {
      FORWARD_URL: receiver.url,
      FORWARD_SECRET: secret,
      WORKER_CONCURRENCY: String(workerConcurrency),
      FORWARD_CONCURRENCY: String(forwardConcurrency),
    });
    const unique = new Set(receiver.deliveries.map((d) => d.transactionId)).size;
    if (unique !== DRAIN_TRANSACTIONS) {
      throw new Error(`forward drain: the receiver got ${unique} of ${DRAIN_TRANSACTIONS} ids`);
    }
    const row: ForwardDrainRow = {
      mode: deployment.key,
      label: deployment.label,
      transactions: DRAIN_TRANSACTIONS,
      workerConcurrency,
      forwardConcurrency,
      seconds,
      perSecond: DRAIN_TRANSACTIONS / seconds,
      receiverRequests: receiver.deliveries.length,
      receiverUniqueIds: unique,
      duplicates: receiver.deliveries.length - unique,
      receiverConnections: receiver.connections,
      workerPeakRssMb: peakRssMb,
    };
    log(
      `  ${deployment.key} forward drain: ${seconds.toFixed(2)} s (${Math.round(row.perSecond)}/s), receiver ${row.receiverRequests} requests, ${row.duplicates} duplicates, ${row.receiverConnections} connections`,
    );
    return row;
  } finally {
    await receiver.close();
  }
}

/** A fixed rate for `seconds`, sampling the server's resident memory every 2 s. */
async function measureSoak(deployment: Deployment, seconds: number): Promise<SoakResult> {
  // A handler delay the worker keeps up with, so memory reflects steady state rather than a backlog.
  const processDelaySeconds = 0.1;
  const service = await startService(deployment, 'soak', {
    PROCESS_DELAY_SECONDS: String(processDelaySeconds),
  });
  try {
    await warmUp(service.url);
    const pid = service.processes[0]!.child.pid!;
    const samples: number[] = [];
    const sampler = setInterval(() => {
      const m = memoryOf(pid);
      if (m) samples.push(m.rssMb);
    }, 2000);
    let result: LoadResult;
    try {
      result = await load(service.url, { durationSeconds: seconds, rate: FIXED_RATE, ids: fresh() });
    } finally {
      clearInterval(sampler);
    }
    const quarter = Math.max(1, Math.floor(samples.length / 4));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
    const soak: SoakResult = {
      mode: deployment.key,
      label: deployment.label,
      seconds,
      rate: FIXED_RATE,
      processDelaySeconds,
      load: result,
      rssSamplesMb: samples.map((s) => Math.round(s * 10) / 10),
      rssFirstQuarterMb: mean(samples.slice(0, quarter)),
      rssLastQuarterMb: mean(samples.slice(-quarter)),
      rssMaxMb: Math.max(...samples),
    };
    log(
      `  soak: ${describeLoad(result)}; RSS ${soak.rssFirstQuarterMb.toFixed(0)} -> ${soak.rssLastQuarterMb.toFixed(0)} MB (max ${soak.rssMaxMb.toFixed(0)})`,
    );
    return soak;
  } finally {
    await service.stop();
  }
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * The ceiling at the start and at the end, and the load runs of each deployment between them;
 * ratios to the mean ceiling.
 */
async function measureIngest(results: BenchResults, deployments: readonly Deployment[]): Promise<void> {
  log('ceiling (bare Fastify)');
  await measureCeiling(results, true);
  for (const d of deployments) {
    log(d.label);
    const scenarios: IngestRow['scenario'][] = (
      d.key === 'embedded-normal'
        ? ['fresh', 'rate']
        : d.key === 'embedded'
          ? ['fresh', 'razorpay', 'payu', 'sequential', 'duplicate', 'rate']
          : ['fresh', 'duplicate', 'rate']
    ).filter((s): s is IngestRow['scenario'] => SCENARIOS === undefined || SCENARIOS.includes(s));
    await measureService(results, d, scenarios);
  }
  log('ceiling again (drift check)');
  await measureCeiling(results, false);
  const ceilingRuns = results.ceiling.freeRps;
  results.ceiling.meanRps = ceilingRuns.reduce((a, b) => a + b, 0) / ceilingRuns.length;
  for (const row of results.ingest) {
    if (row.mode !== 'ceiling' && row.scenario !== 'rate') {
      row.ratioToCeiling = row.load.requestsPerSecond / results.ceiling.meanRps;
    }
  }
  // One ceiling row in the table: the mean run, first; the fixed-rate one stays as measured.
  const ceilingRows = results.ingest.filter((r) => r.mode === 'ceiling');
  const ceilingCpu = meanCpu(ceilingRows.filter((r) => r.scenario === 'fresh').map((r) => r.cpu));
  results.ingest = [
    ...ceilingRows.filter((r, i) => r.scenario === 'rate' || i === 0),
    ...results.ingest.filter((r) => r.mode !== 'ceiling'),
  ];
  const first = results.ingest[0];
  if (first?.mode === 'ceiling' && first.scenario === 'fresh') {
    first.load = { ...first.load, requestsPerSecond: results.ceiling.meanRps };
    first.label = `ceiling (bare Fastify, mean of ${ceilingRuns.length})`;
    if (ceilingCpu) first.cpu = ceilingCpu;
    else delete first.cpu;
  }
}

/**
 * The operators' list and stats latency on {@link OPERATOR_ROWS} transactions: SQLite in a
 * temporary file, PostgreSQL in a database of its own (created and dropped here) when reachable.
 */
async function measureOperator(results: BenchResults): Promise<void> {
  const rows: NonNullable<BenchResults['operator']> = [];
  const dir = mkdtempSync(join(tmpdir(), 'webhooks-bench-operator-'));
  try {
    rows.push(...(await measureSqliteOperator(dir, OPERATOR_ROWS, log)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const adminUrl =
    process.env.BENCH_DATABASE_URL ||
    process.env.TEST_DATABASE_URL ||
    'postgres://postgres@127.0.0.1:5432/postgres';
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
  } catch (error) {
    const line = `operators' rows on PostgreSQL (${error instanceof Error ? error.message : String(error)})`;
    results.skipped.push(line);
    log(`!!! SKIPPING ${line} !!!`);
    results.operator = rows;
    return;
  }
  const name = `bench_${RUN_ID}_operator`.replace(/[^a-z0-9_]/g, '_');
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    rows.push(...(await measurePostgresOperator(url.toString(), OPERATOR_ROWS, log)));
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
  results.operator = rows;
}

/** One Stripe recovery pass over many listed events, embedded and on PostgreSQL + Redis. */
async function measureReconciliation(results: BenchResults): Promise<void> {
  const deployments: Deployment[] = [embeddedDeployment('FULL')];
  const pg = await postgresRedisDeployment(`${RUN_ID}_reconcile`);
  if ('deployment' in pg) deployments.push(pg.deployment);
  else {
    const line = `reconciliation on PostgreSQL + Redis (${pg.skipped})`;
    results.skipped.push(line);
    log(`!!! SKIPPING ${line} !!!`);
  }
  try {
    results.reconcile = await measureReconcile(deployments, RECONCILE_EVENTS, log);
  } finally {
    for (const d of deployments) await d.cleanup().catch(() => undefined);
  }
}

/**
 * The cost of recording attempts: drains with the history on and off, on SQLite and, when
 * reachable, on PostgreSQL + Redis (`deployments` are reused when they are part of the run).
 */
async function measureAttemptsCostRows(
  results: BenchResults,
  deployments: readonly Deployment[],
): Promise<void> {
  const transactions = Number(args['attempts-transactions']);
  const rounds = Number(args['attempts-rounds']);
  const own: Deployment[] = [];
  const targets: Deployment[] = [deployments.find((d) => d.key === 'embedded') ?? embeddedDeployment('FULL')];
  if (!deployments.includes(targets[0]!)) own.push(targets[0]!);
  const pg = deployments.find((d) => d.key === 'postgres-redis');
  if (pg) targets.push(pg);
  else {
    const made = await postgresRedisDeployment(`${RUN_ID}a`);
    if ('deployment' in made) {
      targets.push(made.deployment);
      own.push(made.deployment);
    } else {
      const line = `attempts-cost row on PostgreSQL + Redis (${made.skipped})`;
      results.skipped.push(line);
      log(`!!! SKIPPING ${line} !!!`);
    }
  }
  try {
    results.attemptsCost = [];
    for (const d of targets) {
      log(`${d.label}: attempts history cost`);
      results.attemptsCost.push(...(await measureAttemptsCost(d, transactions, rounds, log)));
    }
  } finally {
    for (const d of own) await d.cleanup().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  // The services it starts run on this Node and refuse an unsupported one: say so before measuring.
  const unsupported = unsupportedNodeVersion();
  if (unsupported) {
    log(unsupported);
    process.exitCode = 1;
    return;
  }
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    finishedAt: '',
    conditions: {
      node: process.versions.node,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
      commit: gitCommit(),
      durationSeconds: DURATION,
      connections: CONNECTIONS,
      client: CLIENT,
      notes: [
        'Services run with their defaults and LOG_LEVEL=warn (PROCESS_DELAY_SECONDS=30, WORKER_CONCURRENCY=1000; embedded: the worker in the same process, PostgreSQL + Redis: one api and one worker process, with PostgreSQL and Redis on the same machine).',
        '"vs ceiling" divides by the mean of the ceiling runs made at the start and at the end. Fresh ids are random (like providers\' ids), sequential ids are a prefix plus a counter (what autocannon\'s [<id>] sends), duplicate ids repeat 5,000 ids posted just before.',
        "Fixed-rate rows are paced evenly (open loop, latency measured from the intended send time), not with autocannon's per-second bursts. Latencies of the other rows are the closed-loop client's (autocannon's in whole milliseconds).",
        'Peak RSS is the process high-water mark over all its runs; with a 30 s handler delay the in-process queue holds every job not yet started in memory.',
        "Operators' rows: the store is seeded directly with a month of transactions (45% Razorpay, 40% Stripe, 15% original contract; 1% FAILED, a RECEIVED and PROCESSING backlog among the newest), then one api process (API_KEYS set, no worker) answers each query 200 times, one request at a time after 20 unreported ones; a later page starts at a cursor spread over the older 90% of the table. PostgreSQL is VACUUM ANALYZEd after seeding, as autovacuum would; SQLite is not analysed (the service never runs ANALYZE).",
        "Reconciliation: a local stand-in of Stripe's events list in the bench process holds the events (Stripe's kept fixtures with fresh ids, created over two days); `cli reconcile --provider stripe` runs one pass in its own process on a fresh store, 100 events a page. 'Run s' is the run's own time as it records it (lease to record), 'Command s' the whole command's (process start, store opening, connections).",
        "Retention rows: the embedded service (SQLite FULL, handler delay 0.1 s) takes fresh ids at the fixed rate with RETENTION_DAYS of 60 s (RETENTION_INTERVAL_SECONDS=5) from an empty file, its size sampled every 10 s; then the operators' seeded month (nearly every row finished and older than a minute) is served at the same rate twice, from two copies of the file: with retention off, and with retention on, deleting that backlog meanwhile. Each backlog run follows 5 s of unreported warm-up at the same rate.",
      ],
    },
    ceiling: { freeRps: [], meanRps: Number.NaN },
    ingest: [],
    drain: [],
    forwardDrain: [],
    skipped: [],
  };

  const deployments: Deployment[] = [];
  const embedded = embeddedDeployment('FULL');
  const embeddedNormal = embeddedDeployment('NORMAL');
  if (wanted('embedded')) deployments.push(embedded);
  if (wanted('embedded-normal')) deployments.push(embeddedNormal);
  if (wanted('postgres-redis')) {
    const pg = await postgresRedisDeployment(RUN_ID);
    if ('deployment' in pg) deployments.push(pg.deployment);
    else {
      const line = `PostgreSQL + Redis mode (${pg.skipped})`;
      results.skipped.push(line);
      log(`!!! SKIPPING ${line} !!!`);
    }
  }

  try {
    // `--only operator` measures no ingest at all, the ceiling included.
    if (!FORWARD_ONLY && deployments.length > 0) await measureIngest(results, deployments);

    const drained = deployments.filter((x) => x.key !== 'embedded-normal');
    if (!args['no-drain'] && !FORWARD_ONLY) {
      for (const d of drained) {
        log(`${d.label}: drain`);
        for (const delay of [1, 0]) results.drain.push(await measureDrain(d, delay));
      }
    }
    if (!args['no-forward']) {
      for (const d of drained) {
        log(`${d.label}: forwarding drain`);
        results.forwardDrain.push(await measureForwardDrain(d));
      }
    }
    if (SOAK_SECONDS > 0 && deployments.includes(embedded) && !FORWARD_ONLY) {
      log(`${embedded.label}: soak ${SOAK_SECONDS} s`);
      results.soak = await measureSoak(embedded, SOAK_SECONDS);
    }
    if (wanted('operator') && !FORWARD_ONLY) await measureOperator(results);
    if (wanted('reconcile') && !FORWARD_ONLY) await measureReconciliation(results);
    if (wanted('retention') && !FORWARD_ONLY) {
      const dir = mkdtempSync(join(tmpdir(), 'webhooks-bench-retention-'));
      try {
        results.retention = await measureRetention({
          dir,
          rate: FIXED_RATE,
          connections: CONNECTIONS,
          steadySeconds: Number(args['retention-seconds']),
          backlogRows: Number(args['retention-rows']),
          loadSeconds: Number(args['retention-load-seconds']),
          fresh,
          log,
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    if (wanted('attempts-cost') && !FORWARD_ONLY) await measureAttemptsCostRows(results, deployments);
  } finally {
    await stopAll();
    for (const d of deployments) await d.cleanup().catch(() => undefined);
    await embedded.cleanup().catch(() => undefined);
    await embeddedNormal.cleanup().catch(() => undefined);
  }

  results.finishedAt = new Date().toISOString();
  const markdown = renderMarkdown(results);
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(args.out, 'latest.md'), markdown);
  process.stdout.write(`\n${markdown}`);
  log(`\nwrote ${join(args.out, 'latest.json')} and latest.md`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });
}

main().catch(async (error: unknown) => {
  log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await stopAll();
  process.exit(1);
});
