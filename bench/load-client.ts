/**
 * The load generator, run as its own process so that it never shares an event loop with the server
 * it measures: `node dist/bench/load-client.js '<LoadSpec as JSON>'`. Prints one JSON line, a
 * {@link LoadResult}, on stdout.
 *
 * As fast as possible (closed loop): autocannon, or wrk when the spec asks for it. At a fixed rate
 * (open loop): a pacer of its own, because autocannon's rate limit lets each connection send its
 * whole second's quota back to back at the start of every second, so "1,000 req/s" arrives as a
 * 32-connection burst and then silence, and its coordinated-omission correction then adds
 * synthetic samples on top; the bare Fastify ceiling itself showed a p99 of 9 ms that way. The
 * pacer sends request i at start + i/rate over a keep-alive pool and measures each latency from
 * that intended instant, so a stalled server cannot hide its stall by delaying the requests that
 * would have measured it.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { PAYU_PATH, payuDeliveries } from './payu-deliveries.js';
import { RAZORPAY_PATH, razorpayDeliveries, razorpayDeliveryPool } from './razorpay-deliveries.js';
import { runWrk } from './wrk-load.js';

/** What one load run sends. */
export interface LoadSpec {
  /** Base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  connections: number;
  /** Run this long, unless `amount` is set. */
  durationSeconds: number;
  /** Send exactly this many requests, then stop (used to seed duplicate ids). */
  amount?: number;
  /**
   * Requests per second, evenly paced (open loop, at most `connections` in flight); unset: as fast as
   * the server answers on `connections` connections (closed loop).
   */
  rate?: number;
  /**
   * `fresh`: every request a new random id `<prefix>_<16 random base64url characters>`, like a
   * provider's (random keys land all over the primary-key index, as in production; sequential ones
   * would flatter the store); `sequential`: new ids `<prefix>-0, <prefix>-1, ...` (what
   * autocannon's `[<id>]` replacement sends: one random prefix, then a counter); `cycle`: ids
   * `<prefix>-0 .. <prefix>-<pool - 1>` over and over (duplicates once the pool has been sent).
   */
  ids:
    | { kind: 'fresh'; prefix: string }
    | { kind: 'sequential'; prefix: string }
    | { kind: 'cycle'; prefix: string; pool: number };
  /**
   * The closed-loop generator: autocannon (default) or wrk (see `wrk-load`). Runs at a rate or of an
   * `amount` always use the Node clients.
   */
  tool?: 'autocannon' | 'wrk';
  /**
   * What is sent: `transactions` (default), the original contract's body with a new id each time
   * (see `ids`); `razorpay`, Razorpay-signed deliveries of its published `payment.captured` sample
   * to `/v1/webhooks/razorpay`, each under a new `X-Razorpay-Event-Id` from `ids`; `payu`, PayU-hashed
   * forms of its published success sample to `/v1/webhooks/payu`, each about a new payment (PayU
   * sends no event id: `ids` is not used).
   */
  sender?: 'transactions' | 'razorpay' | 'payu';
}

/** What one load run measured; latencies in milliseconds. */
export interface LoadResult {
  requestsPerSecond: number;
  totalRequests: number;
  durationSeconds: number;
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Answers other than 2xx. */
  non2xx: number;
  statusCodes: Record<string, number>;
}

/** Where every load run posts. */
const WEBHOOK_PATH = '/v1/webhooks/transactions';

/** A webhook body like a provider's, with `transactionId`. */
function webhookJson(transactionId: string): string {
  return JSON.stringify({
    transaction_id: transactionId,
    source_account: 'acc_user_789',
    destination_account: 'acc_merchant_456',
    amount: 1500.5,
    currency: 'INR',
  });
}

function idGenerator(ids: LoadSpec['ids']): () => string {
  let n = 0;
  switch (ids.kind) {
    case 'fresh':
      return () => `${ids.prefix}_${randomBytes(12).toString('base64url')}`;
    case 'sequential':
      return () => `${ids.prefix}-${n++}`;
    case 'cycle':
      return () => `${ids.prefix}-${n++ % ids.pool}`;
  }
}

/** One request of a load run: where it goes, its extra headers, its body. */
interface LoadRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The requests of `spec`, one per call, each with the next id. */
function requestGenerator(spec: LoadSpec): () => LoadRequest {
  const nextId = idGenerator(spec.ids);
  if (spec.sender === 'payu') {
    const nextForm = payuDeliveries();
    return () => ({
      path: PAYU_PATH,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: nextForm(),
    });
  }
  if (spec.sender !== 'razorpay') {
    return () => ({ path: WEBHOOK_PATH, headers: {}, body: webhookJson(nextId()) });
  }
  const nextDelivery = razorpayDeliveries();
  return () => {
    const delivery = nextDelivery();
    return {
      path: RAZORPAY_PATH,
      headers: { 'x-razorpay-event-id': nextId(), 'x-razorpay-signature': delivery.signature },
      body: delivery.body,
    };
  };
}

/** The `p` quantile (0..1) of sorted `values`. */
const quantile = (sorted: readonly number[], p: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;

/** Open-loop load at `spec.rate` requests per second; see the module comment. */
async function runPaced(spec: LoadSpec & { rate: number }): Promise<LoadResult> {
  const nextRequest = requestGenerator(spec);
  const { hostname, port } = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const total = spec.amount ?? Math.round(spec.rate * spec.durationSeconds);
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  let nonOk = 0;
  const send = (intended: number) =>
    new Promise<void>((resolve) => {
      const { path, headers, body } = nextRequest();
      const req = httpRequest(
        {
          host: hostname,
          port,
          method: 'POST',
          path,
          agent,
          timeout: 10_000,
          headers: {
            'content-type': 'application/json',
            ...headers,
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.once('end', () => {
            latencies.push(performance.now() - intended);
            const code = String(res.statusCode);
            statusCodes[code] = (statusCodes[code] ?? 0) + 1;
            if (!res.statusCode || res.statusCode < 200 || res.statusCode >= 300) nonOk++;
            resolve();
          });
        },
      );
      req.once('error', () => {
        errors++;
        resolve();
      });
      req.once('timeout', () => req.destroy(new Error('timeout')));
      req.end(body);
    });
  const pending: Promise<void>[] = [];
  const start = performance.now();
  const interval = 1000 / spec.rate;
  for (let i = 0; i < total; ) {
    const now = performance.now();
    // Send everything that is due; a late timer catches up rather than thinning the load.
    while (i < total && start + i * interval <= now) {
      pending.push(send(start + i * interval));
      i++;
    }
    await sleep(Math.max(0, start + i * interval - performance.now()));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const done = latencies.length;
  return {
    requestsPerSecond: done / elapsed,
    totalRequests: done,
    durationSeconds: elapsed,
    latencyP50: quantile(latencies, 0.5),
    latencyP99: quantile(latencies, 0.99),
    latencyMax: latencies.at(-1) ?? Number.NaN,
    errors,
    non2xx: nonOk,
    statusCodes,
  };
}

/** Runs one load test against the webhook endpoint. */
async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.rate !== undefined) return runPaced({ ...spec, rate: spec.rate });
  if (spec.tool === 'wrk' && spec.amount === undefined) {
    // Each PayU form is hashed as it is sent; wrk could only cycle a pool, repeating its events.
    if (spec.sender === 'payu') throw new Error('the PayU row needs the Node clients (--client autocannon)');
    return spec.sender === 'razorpay'
      ? runWrk(spec, RAZORPAY_PATH, {
          pool: razorpayDeliveryPool(2000).map((d) => ({
            body: d.body,
            headers: { 'X-Razorpay-Signature': d.signature },
          })),
          idHeader: 'X-Razorpay-Event-Id',
        })
      : runWrk(spec, WEBHOOK_PATH, webhookJson);
  }
  const nextRequest = requestGenerator(spec);
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSeconds,
    amount: spec.amount,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: spec.sender === 'razorpay' ? RAZORPAY_PATH : spec.sender === 'payu' ? PAYU_PATH : WEBHOOK_PATH,
        headers: { 'content-type': 'application/json' },
        // A new request each time: every one carries its own (or a repeated) id.
        setupRequest: (request) => {
          const next = nextRequest();
          return {
            ...request,
            path: next.path,
            headers: { ...request.headers, ...next.headers },
            body: next.body,
          };
        },
      },
    ],
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = count;
  const total = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    requestsPerSecond: total / result.duration,
    totalRequests: total,
    durationSeconds: result.duration,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    latencyMax: result.latency.max,
    errors: result.errors,
    non2xx: result.non2xx,
    statusCodes,
  };
}

// This module is the child process's entry point; the orchestrator imports its types only.
const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
runLoad(spec).then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    process.stderr.write(`load client failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
