import { type AttemptsCostRun, attemptsCostLines } from './attempts-cost-bench.js';
import type { CpuPerRequest } from './cpu-usage.js';
import type { LoadResult } from './load-client.js';

/** One load scenario against one deployment. */
export interface IngestRow {
  /** Deployment key (`ceiling`, `embedded`, ...). */
  mode: string;
  label: string;
  /**
   * As fast as answered with `fresh` (random) ids, `sequential` ids or `duplicate` ids; `razorpay`:
   * Razorpay-signed deliveries of its published `payment.captured` sample to its own endpoint,
   * fresh event ids; `payu`: PayU-hashed forms of its published success sample, each a new payment;
   * or `rate`: fresh ids at a fixed, evenly paced rate.
   */
  scenario: 'fresh' | 'razorpay' | 'payu' | 'sequential' | 'duplicate' | 'rate';
  connections: number;
  /** Offered rate for `rate` scenarios. */
  rate?: number;
  load: LoadResult;
  /** CPU time per request of the server's processes and of the whole machine (Linux only). */
  cpu?: CpuPerRequest;
  /** req/s divided by the ceiling's fresh req/s (absent for the ceiling itself and fixed-rate runs). */
  ratioToCeiling?: number;
  /** Peak resident memory per process over the whole mode, MiB. */
  peakRssMb: Record<string, number>;
}

/** How the provider rows' deliveries are described. */
const PROVIDER_ROWS: Partial<Record<IngestRow['scenario'], string>> = {
  razorpay: 'Razorpay-signed deliveries (signature checked',
  payu: 'PayU-hashed forms (form decoded, SHA-512 hash checked',
};

/**
 * For each deployment with both rows: the server CPU per webhook of a provider's deliveries to its
 * own endpoint (Razorpay's, PayU's) against the original endpoint's fresh ids, measured in the same
 * run.
 */
export function providerCostLines(rows: readonly IngestRow[]): string[] {
  const lines: string[] = [];
  for (const provider of rows.filter((r) => PROVIDER_ROWS[r.scenario] !== undefined)) {
    const original = rows.find((r) => r.mode === provider.mode && r.scenario === 'fresh');
    if (!provider.cpu || !original?.cpu) continue;
    const extra = provider.cpu.serverUs / original.cpu.serverUs - 1;
    lines.push(
      `Provider path, ${provider.label}: ${PROVIDER_ROWS[provider.scenario]}, ${f0(provider.load.requestsPerSecond)} req/s) ` +
        `cost ${f1(provider.cpu.serverUs)} µs of server CPU per webhook, the original endpoint's fresh ids ` +
        `${f1(original.cpu.serverUs)} µs (${extra >= 0 ? '+' : ''}${f0(extra * 100)}%).`,
    );
  }
  return lines;
}

/** One drain run: a backlog of `transactions` worked off by one worker process. */
export interface DrainRow {
  mode: string;
  label: string;
  transactions: number;
  delaySeconds: number;
  workerConcurrency: number;
  /** From spawning the worker process until every transaction is PROCESSED. */
  seconds: number;
  perSecond: number;
  workerPeakRssMb?: number;
}

/** One forwarding drain: a backlog of `transactions` forwarded by one worker process to a local receiver. */
export interface ForwardDrainRow {
  mode: string;
  label: string;
  transactions: number;
  workerConcurrency: number;
  /** `FORWARD_CONCURRENCY`: requests in flight to the receiver at most. */
  forwardConcurrency: number;
  /** From spawning the worker process until every transaction is PROCESSED. */
  seconds: number;
  perSecond: number;
  /** Requests the receiver got, duplicates included. */
  receiverRequests: number;
  receiverUniqueIds: number;
  duplicates: number;
  /** TCP connections the receiver saw (the pool keeps them alive). */
  receiverConnections: number;
  workerPeakRssMb?: number;
}

/** A long fixed-rate run watching the server's memory. */
export interface SoakResult {
  mode: string;
  label: string;
  seconds: number;
  rate: number;
  processDelaySeconds: number;
  load: LoadResult;
  /** Resident memory every few seconds, MiB. */
  rssSamplesMb: number[];
  rssFirstQuarterMb: number;
  rssLastQuarterMb: number;
  rssMaxMb: number;
}

/** One operators' query timed through the HTTP API on a store holding `rows` transactions. */
export interface OperatorRow {
  store: 'SQLite' | 'PostgreSQL';
  label: string;
  rows: number;
  requests: number;
  /** Milliseconds from sending the request to the answer's last byte, one request at a time. */
  p50: number;
  p99: number;
  max: number;
  /** How long writing the rows took (not part of any latency). */
  seedSeconds: number;
}

/** One Stripe recovery pass (`cli reconcile`) over listed events, against a local stand-in. */
export interface ReconcileRow {
  label: string;
  /** Events the stand-in listed. */
  listed: number;
  /** Of those, stored by the pass (the rest were already stored). */
  stored: number;
  /** The run's own time, from taking the lease to recording the run. */
  seconds: number;
  eventsPerSecond: number;
  /** The command's time, process start and store opening included. */
  wallSeconds: number;
}

/** The retention run's store, sampled every 10 s. */
export interface RetentionSample {
  /** Seconds since the load began. */
  second: number;
  /** The database file's size. */
  dbBytes: number;
  /** Its WAL's size. */
  walBytes: number;
  /** Transactions stored (`GET /v1/stats` total). */
  rows: number;
}

/** Retention on the embedded deployment: the file under steady load, and p99 while a backlog goes. */
export interface RetentionResult {
  rate: number;
  /** RETENTION_DAYS of the runs with retention on, in seconds. */
  retentionSeconds: number;
  processDelaySeconds: number;
  steady: {
    seconds: number;
    load: LoadResult;
    samples: RetentionSample[];
    /** How much the file grew in the second half of the run, against its size half-way. */
    growthSecondHalfPercent: number;
    walMaxBytes: number;
  };
  backlog: {
    /** Rows seeded, nearly all finished and expired. */
    rows: number;
    loadSeconds: number;
    /** The same rate on the same store with retention off. */
    without: LoadResult;
    /** With retention on, deleting the backlog meanwhile. */
    with: LoadResult;
    deletedDuringLoad: number;
    deletedTotal: number;
    /** Seconds from the start of the service until retention had gone through the backlog. */
    clearedSeconds: number | null;
    /** How long after the run the bench waited for that. */
    clearWaitSeconds: number;
    /** p99 with the backlog over p99 without (target at most 2). */
    p99Ratio: number;
  };
}

/** Everything one `npm run bench` measured, written to bench/results/latest.json. */
export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  conditions: {
    node: string;
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    commit: string;
    durationSeconds: number;
    connections: number;
    /** The closed-loop load generator (fixed-rate runs always use the Node pacer). */
    client: 'autocannon' | 'wrk';
    notes: string[];
  };
  ceiling: { freeRps: number[]; meanRps: number };
  ingest: IngestRow[];
  drain: DrainRow[];
  forwardDrain: ForwardDrainRow[];
  soak?: SoakResult;
  /** The operators' list and stats latency on a million transactions (absent from older results). */
  operator?: OperatorRow[];
  /** One reconciliation pass over many listed events (absent from older results). */
  reconcile?: ReconcileRow[];
  /** Retention's rows (absent from older results). */
  retention?: RetentionResult;
  /** Drains with the attempts history on and off (absent from older results). */
  attemptsCost?: AttemptsCostRun[];
  skipped: string[];
}

/** A whole number with thousands separators, or `-` when unknown. */
export const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
/** One decimal, or `-` when unknown. */
export const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
/** Two decimals, or `-` when unknown. */
export const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');
const rssCell = (peak: Record<string, number>) =>
  Object.entries(peak)
    .map(([name, mb]) => (Object.keys(peak).length > 1 ? `${name} ${f0(mb)}` : f0(mb)))
    .join(', ');

/** Appends a blank line and a Markdown table (nothing when there are no rows). */
function pushTable(lines: string[], header: string[], alignment: string, rows: string[][]): void {
  if (rows.length === 0) return;
  lines.push('', `| ${header.join(' | ')} |`, alignment);
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
}

/** The retention rows: the file's size over time, then p99 without and with a backlog being deleted. */
function renderRetention(lines: string[], r: RetentionResult): void {
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const s = r.steady;
  lines.push(
    '',
    `Retention, embedded (SQLite FULL): ${f0(r.rate)} req/s of fresh ids for ${f0(s.seconds)} s with RETENTION_DAYS = ${r.retentionSeconds} s ` +
      `(handler delay ${r.processDelaySeconds} s): ${f0(s.load.requestsPerSecond)} req/s served, p99 ${f1(s.load.latencyP99)} ms. ` +
      `Database file by second: ${s.samples.map((x) => `${x.second} s ${mb(x.dbBytes)} (${f0(x.rows)} rows)`).join(', ')}; ` +
      `second half ${s.growthSecondHalfPercent >= 0 ? '+' : ''}${f1(s.growthSecondHalfPercent)}% over its size half-way; WAL at most ${mb(s.walMaxBytes)}.`,
  );
  const b = r.backlog;
  pushTable(
    lines,
    [
      `Retention backlog, embedded (SQLite FULL), ${f0(r.rate)} req/s paced, fresh ids`,
      'p50 ms',
      'p99 ms',
      'max ms',
      'errors',
      'rows deleted meanwhile',
    ],
    '|---|---:|---:|---:|---:|---:|',
    [
      [
        `${f0(b.rows)} rows stored, retention off`,
        f2(b.without.latencyP50),
        f2(b.without.latencyP99),
        f2(b.without.latencyMax),
        f0(b.without.errors + b.without.non2xx),
        '0',
      ],
      [
        `the same rows expired and being deleted (RETENTION_DAYS = ${r.retentionSeconds} s)`,
        f2(b.with.latencyP50),
        f2(b.with.latencyP99),
        f2(b.with.latencyMax),
        f0(b.with.errors + b.with.non2xx),
        f0(b.deletedDuringLoad),
      ],
    ],
  );
  lines.push(
    '',
    `p99 with the backlog being deleted over p99 without: ${f2(b.p99Ratio)} (target at most 2). ` +
      (b.clearedSeconds === null
        ? `The backlog was not gone ${f0(b.clearWaitSeconds)} s after the run (${f0(b.deletedTotal)} rows deleted).`
        : `Retention went through the backlog (${f0(b.deletedTotal)} rows) ${f0(b.clearedSeconds)} s after the service started.`),
  );
}

/** The Markdown report: conditions, ingest table, drain tables, soak line, skipped modes. */
export function renderMarkdown(results: BenchResults): string {
  const c = results.conditions;
  const lines: string[] = [];
  lines.push(
    `Measured ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC on ${c.cpus} CPU (${c.cpuModel}), `,
  );
  lines.push(
    `${c.memoryGb} GB RAM, Node ${c.node}, commit ${c.commit.slice(0, 7)}; load from ${c.client} in a separate process on the same machine, `,
  );
  lines.push(`${c.connections} connections, ${c.durationSeconds} s per run, all traffic on 127.0.0.1.`);
  for (const note of c.notes) lines.push(`${note}`);
  pushTable(
    lines,
    [
      'Mode',
      'Load',
      'req/s',
      'vs ceiling',
      'p50 ms',
      'p99 ms',
      'max ms',
      'errors',
      'CPU µs/req server',
      'CPU µs/req machine',
      'peak RSS MB',
    ],
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    results.ingest.map((row) => [
      row.label,
      row.scenario === 'rate'
        ? `${f0(row.rate ?? 0)} req/s paced, fresh ids`
        : row.scenario === 'razorpay'
          ? `Razorpay-signed, fresh event ids, ${row.connections} conn`
          : row.scenario === 'payu'
            ? `PayU-hashed forms, new payments, ${row.connections} conn`
            : `${row.scenario} ids, ${row.connections} conn`,
      f0(row.load.requestsPerSecond),
      row.ratioToCeiling === undefined ? '' : f2(row.ratioToCeiling),
      f1(row.load.latencyP50),
      f1(row.load.latencyP99),
      f1(row.load.latencyMax),
      f0(row.load.errors + row.load.non2xx),
      f0(row.cpu?.serverUs ?? NaN),
      f0(row.cpu?.machineUs ?? NaN),
      rssCell(row.peakRssMb),
    ]),
  );
  for (const line of providerCostLines(results.ingest)) lines.push('', line);
  pushTable(
    lines,
    [
      'Drain (one worker process)',
      'Transactions',
      'Handler delay',
      'Concurrency',
      'Seconds to all PROCESSED',
      'Processed/s',
      'worker peak RSS MB',
    ],
    '|---|---:|---:|---:|---:|---:|---:|',
    results.drain.map((d) => [
      d.label,
      f0(d.transactions),
      `${d.delaySeconds} s`,
      f0(d.workerConcurrency),
      f2(d.seconds),
      f0(d.perSecond),
      f0(d.workerPeakRssMb ?? NaN),
    ]),
  );
  pushTable(
    lines,
    [
      'Forwarding drain (one worker process, receiver answers 200 at once)',
      'Transactions',
      'Forward concurrency',
      'Seconds to all PROCESSED',
      'Forwarded/s',
      'Receiver requests',
      'Duplicates',
      'Connections',
      'worker peak RSS MB',
    ],
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    results.forwardDrain.map((d) => [
      d.label,
      f0(d.transactions),
      f0(d.forwardConcurrency),
      f2(d.seconds),
      f0(d.perSecond),
      f0(d.receiverRequests),
      f0(d.duplicates),
      f0(d.receiverConnections),
      f0(d.workerPeakRssMb ?? NaN),
    ]),
  );
  if (results.soak) {
    const s = results.soak;
    lines.push('');
    lines.push(
      `Soak, ${s.label}: ${f0(s.rate)} req/s of fresh ids for ${f0(s.seconds)} s (handler delay ${s.processDelaySeconds} s): ` +
        `${f0(s.load.requestsPerSecond)} req/s served, p99 ${f1(s.load.latencyP99)} ms, errors ${f0(s.load.errors + s.load.non2xx)}; ` +
        `RSS ${f0(s.rssFirstQuarterMb)} MB in the first quarter, ${f0(s.rssLastQuarterMb)} MB in the last, max ${f0(s.rssMaxMb)} MB.`,
    );
  }
  pushTable(
    lines,
    ['Operators (API, one request at a time)', 'Store rows', 'Requests', 'p50 ms', 'p99 ms', 'max ms'],
    '|---|---:|---:|---:|---:|---:|',
    (results.operator ?? []).map((r) => [
      `${r.store}: ${r.label}`,
      f0(r.rows),
      f0(r.requests),
      f2(r.p50),
      f2(r.p99),
      f2(r.max),
    ]),
  );
  pushTable(
    lines,
    ['Stripe recovery pass (cli reconcile)', 'Listed', 'Stored', 'Run s', 'Events/s', 'Command s'],
    '|---|---:|---:|---:|---:|---:|',
    (results.reconcile ?? []).map((r) => [
      r.label,
      f0(r.listed),
      f0(r.stored),
      f2(r.seconds),
      f0(r.eventsPerSecond),
      f2(r.wallSeconds),
    ]),
  );
  if (results.retention) renderRetention(lines, results.retention);
  pushTable(
    lines,
    [
      'Attempts history (one worker drains, handler delay 0)',
      'History',
      'Transactions',
      'Seconds',
      'Worker CPU µs/transaction',
      'Machine CPU µs/transaction',
    ],
    '|---|---|---:|---:|---:|---:|',
    (results.attemptsCost ?? []).map((r) => [
      r.label,
      r.history ? 'on' : 'off',
      f0(r.transactions),
      f2(r.seconds),
      f1(r.workerUs),
      f1(r.machineUs),
    ]),
  );
  for (const line of attemptsCostLines(results.attemptsCost ?? [])) lines.push('', line);
  for (const reason of results.skipped) lines.push('', `Skipped: ${reason}`);
  return `${lines.join('\n')}\n`;
}
