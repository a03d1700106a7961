import { type Job, Queue, Worker } from 'bullmq';
import type { ConsumeOptions, JobProcessor, JobQueue, QueueJob } from '../job-queue.js';
import { jobIdOf } from './bullmq-job-id.js';
import { consumerConnection, producerConnection } from './redis-connection-options.js';

/** What a job carries: the doorbell only; the store holds the transaction. */
interface JobData {
  transactionId: string;
  attempt: number;
}

/** The BullMQ job name of every job in the queue. */
const JOB_NAME = 'process-transaction';

/** Where an error reported through {@link BullMqQueueOptions.onError} came from. */
export type BullMqErrorSource = 'producer' | 'consumer';

/** Options of {@link BullMqQueue}. */
export interface BullMqQueueOptions {
  /** `redis://` or `rediss://` URL (user, password and database number included). */
  url: string;
  /** BullMQ queue name (letters, digits, `_`, `-`). Default `transactions`. */
  name?: string;
  /**
   * Prefix of every Redis key of the queue. Default `{webhooks}`: the braces are a Redis Cluster
   * hash tag, so all of the queue's keys hash to one slot, which BullMQ's multi-key Lua scripts need.
   */
  prefix?: string;
  /** How long {@link BullMqQueue.ready} waits for Redis before it rejects. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** How long a producer command (enqueue, depth, ping) may wait for Redis's answer. Default 5 000 ms. */
  commandTimeoutMs?: number;
  /**
   * How long {@link BullMqQueue.stopConsuming} lets BullMQ's graceful close run once every
   * processor has returned (it records the last completions and QUITs its connections) before it
   * drops the Worker's connections instead. Only a Redis outage makes it take that long. Default
   * 1 000 ms.
   */
  closeGraceMs?: number;
  /**
   * Receives errors BullMQ meets in the background: connection loss and reconnection failures,
   * a job finishing after its keys were deleted. The same message from the same source is passed
   * on at most once per 10 s. Default: a process warning (`process.emitWarning`).
   */
  onError?: (error: Error, source: BullMqErrorSource) => void;
}

/** Repeated background errors (a reconnect loop) are passed on at most this often. */
const ERROR_REPEAT_MS = 10_000;

/**
 * A {@link JobQueue} on Redis with BullMQ, for running the API and any number of workers as
 * separate processes.
 *
 * Connections, all owned by this object and closed by {@link close}:
 * - the producer (BullMQ `Queue`), opened by {@link ready}; used by enqueue, depth and ping. It
 *   fails fast while Redis is unreachable (no offline queue, a command timeout), so a webhook is
 *   never held waiting for Redis: the caller logs the failure and the recovery sweep dispatches
 *   from the store later.
 * - two consumer connections (BullMQ `Worker`: commands and a blocking fetch), opened by
 *   {@link consume}. They wait through outages and reconnect forever, so a worker resumes taking
 *   new jobs once Redis is back, restarted or flushed, without a process restart.
 *
 * Jobs: id from (transactionId, attempt) (see `jobIdOf`), so an add whose job still exists is a
 * no-op; `attempts: 1`, because retries are the worker's business (it schedules a delayed job with
 * the next attempt number); removed from Redis as soon as they complete or fail. Removal keeps
 * Redis small and is required, not only allowed: a kept job would swallow a later legitimate
 * dispatch of the same (transaction, attempt), for instance after a shutdown released a lease
 * (attempts - 1) or after `requeue` reset attempts to 0. Duplicates that removal lets through are
 * stopped by the store's insert-if-absent and conditional claim.
 */
export class BullMqQueue implements JobQueue {
  /**
   * Every {@link BullMqQueue.enqueue} has a fixed cost in this process (BullMQ builds an ioredis
   * pipeline, which copies every Lua script command onto itself) and in Redis, so fewer, larger calls
   * save CPU; the wait delays only the worker's doorbell. Measured by hand on PostgreSQL + Redis, 25
   * ms against 3 ms: at 1,000 webhooks/s the API spent 476-485 µs of CPU per webhook instead of
   * 566-603 and Redis 83-86 instead of 138-143 (three interleaved pairs); under 32 closed-loop
   * connections (wrk) the API spent less CPU per webhook in 8 pairs of 8 (median 14% less) and served
   * more webhooks/s in 7. Windows of 50 and 100 ms saved little more.
   */
  readonly enqueueWindowMs = 25;
  readonly #url: string;
  readonly #name: string;
  readonly #prefix: string;
  readonly #connectTimeoutMs: number;
  readonly #commandTimeoutMs: number;
  readonly #closeGraceMs: number;
  readonly #onError: (error: Error, source: BullMqErrorSource) => void;
  #queue: Queue<JobData, void> | undefined;
  #opening: Promise<void> | undefined;
  #worker: Worker<JobData, void> | undefined;
  #stopping: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  /** Processors running now, and who waits for that number to reach zero. */
  #running = 0;
  #idle: (() => void)[] = [];
  /** When each distinct background error was last passed on. */
  readonly #reported = new Map<string, number>();

  constructor(options: BullMqQueueOptions) {
    this.#url = options.url;
    this.#name = options.name ?? 'transactions';
    this.#prefix = options.prefix ?? '{webhooks}';
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 5_000;
    this.#closeGraceMs = options.closeGraceMs ?? 1_000;
    this.#onError =
      options.onError ??
      ((error, source) => process.emitWarning(`BullMQ ${source}: ${error.message}`, 'BullMqQueueWarning'));
  }

  /** Opens the producer connection and checks Redis answers. Rejects after `connectTimeoutMs`. */
  ready(): Promise<void> {
    if (this.#closing) return Promise.reject(new Error('BullMqQueue is closed'));
    this.#opening ??= this.#open().catch((error: unknown) => {
      this.#opening = undefined;
      throw error;
    });
    return this.#opening;
  }

  async #open(): Promise<void> {
    const queue = new Queue<JobData, void>(this.#name, {
      connection: producerConnection(this.#url, this.#commandTimeoutMs),
      prefix: this.#prefix,
    });
    queue.on('error', (error) => this.#report(error, 'producer'));
    let timer: NodeJS.Timeout | undefined;
    try {
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${this.#connectTimeoutMs} ms`)),
          this.#connectTimeoutMs,
        );
      });
      await Promise.race([(async () => sendPing(await queue.client))(), timedOut]);
    } catch (error) {
      await queue.close().catch(() => undefined);
      // The host only: the URL may carry a password.
      throw new Error(`Redis at ${new URL(this.#url).host} is not reachable: ${describe(error)}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
    this.#queue = queue;
  }

  /** Stops consuming (waiting for running jobs), then closes every connection. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#opening?.catch(() => undefined);
      await this.stopConsuming();
      const queue = this.#queue;
      if (!queue) return;
      const client = await queue.client;
      // BullMQ closes with QUIT, which fails at once while Redis is unreachable (no offline queue)
      // and leaves ioredis reconnecting; disconnecting afterwards ends that in every case.
      await queue.close().catch(() => undefined);
      client.disconnect();
    })();
    return this.#closing;
  }

  /** Sends PING on the producer connection; rejects at once while Redis is unreachable. */
  async ping(): Promise<void> {
    await sendPing(await this.#producer().client);
  }

  /**
   * Adds the jobs in one pipeline (one round trip). A job whose id still exists in Redis (waiting,
   * delayed or running) is not added again. Rejects while Redis is unreachable; some jobs of the
   * batch may have been added by then, which is harmless since adding again is a no-op.
   */
  async enqueue(jobs: readonly QueueJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.#producer().addBulk(
      jobs.map(({ transactionId, attempt, delayMs = 0 }) => ({
        name: JOB_NAME,
        data: { transactionId, attempt },
        opts: {
          jobId: jobIdOf(transactionId, attempt),
          delay: Math.max(0, Math.ceil(delayMs)),
          attempts: 1,
          removeOnComplete: true,
          removeOnFail: true,
        },
      })),
    );
  }

  /**
   * Starts a BullMQ Worker running up to `concurrency` jobs at once in this process, each in
   * `processor`. The Worker opens its own two connections. Throws if called twice.
   */
  consume(processor: JobProcessor, options: ConsumeOptions): void {
    if (this.#worker) throw new Error('BullMqQueue.consume called twice');
    if (this.#closing) throw new Error('BullMqQueue is closed');
    const worker = new Worker<JobData, void>(
      this.#name,
      async (job: Job<JobData, void>) => {
        this.#running++;
        try {
          await processor(job.data.transactionId);
        } finally {
          if (--this.#running === 0) for (const resolve of this.#idle.splice(0)) resolve();
        }
      },
      {
        connection: consumerConnection(this.#url),
        prefix: this.#prefix,
        concurrency: options.concurrency,
      },
    );
    worker.on('error', (error) => this.#report(error, 'consumer'));
    // Processors never throw (they record failures in the store); if one does, say so.
    worker.on('failed', (job, error) =>
      this.#report(new Error(`job ${job?.id ?? '?'} failed: ${error.message}`, { cause: error }), 'consumer'),
    );
    this.#worker = worker;
  }

  /**
   * Stops fetching jobs and resolves once every running processor has returned and the Worker's
   * connections are closed. Jobs still waiting stay in Redis for other workers.
   *
   * With Redis unreachable, BullMQ's graceful `Worker.close()` never ends (its commands wait for a
   * reconnection, and ioredis never reports the end of a connection that is between reconnection
   * attempts), so once the processors have returned it gets `closeGraceMs`, then the Worker's
   * timers and connections are dropped. A job whose completion could not be recorded keeps its
   * BullMQ lock until it expires; BullMQ's stalled-job check then puts it back in the queue, where
   * the store's conditional claim makes the second delivery a no-op.
   */
  stopConsuming(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return Promise.resolve();
    this.#stopping ??= (async () => {
      let closed = false;
      const closing = worker.close().then(
        () => {
          closed = true;
        },
        (error: unknown) => {
          closed = true;
          this.#report(asError(error), 'consumer');
        },
      );
      // A job BullMQ fetched just as the close began may start after a first wait: loop until no
      // processor runs, so the connections are never dropped under a running one.
      do {
        await this.#whenIdle();
        await settlesWithin(closing, this.#closeGraceMs);
      } while (!closed && this.#running > 0);
      if (!closed) {
        this.#report(
          new Error('Redis did not answer while the Worker closed; dropping its connections'),
          'consumer',
        );
        await abandonWorker(worker);
      }
    })();
    return this.#stopping;
  }

  /** Resolves once no processor is running. */
  #whenIdle(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Jobs not running yet: waiting, delayed, prioritized and paused. */
  async depth(): Promise<number> {
    const counts = await this.#producer().getJobCounts('waiting', 'delayed', 'prioritized', 'paused');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  #producer(): Queue<JobData, void> {
    if (this.#closing) throw new Error('BullMqQueue is closed');
    if (!this.#queue) throw new Error('BullMqQueue.ready() has not completed');
    return this.#queue;
  }

  #report(error: Error, source: BullMqErrorSource): void {
    const key = `${source}\n${error.message}`;
    const now = Date.now();
    const last = this.#reported.get(key);
    if (last !== undefined && now - last < ERROR_REPEAT_MS) return;
    if (this.#reported.size > 100) this.#reported.clear();
    this.#reported.set(key, now);
    try {
      this.#onError(error, source);
    } catch {
      // A failing error listener must not turn into an unhandled 'error' event inside BullMQ.
    }
  }
}

/**
 * BullMQ types its client as its own adapter interface, which has no PING; the ioredis client
 * behind it (BullMQ forwards every other method to it) does.
 */
async function sendPing(client: object): Promise<void> {
  const { ping } = client as { ping?: () => Promise<unknown> };
  if (typeof ping !== 'function') throw new Error('the Redis client has no ping()');
  await ping.call(client);
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

/** Resolves when `promise` settles or after `ms`, whichever is first. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/**
 * The protected parts of a BullMQ Worker that {@link abandonWorker} stops. Typed loosely on purpose:
 * each is checked before use, so a BullMQ that renames one makes this do less, never throw.
 */
interface WorkerInternals {
  connection?: { close?: (force?: boolean) => Promise<void> };
  blockingConnection?: { close?: (force?: boolean) => Promise<void> };
  lockManager?: { close?: () => Promise<void> };
  stalledCheckStopper?: () => void;
}

/**
 * Stops what a Worker whose graceful close is stuck on an unreachable Redis still runs. BullMQ has
 * no public call for this (`close(true)` returns the pending graceful close), so it reaches the
 * Worker's protected parts, in the order BullMQ's own forced close uses: the lock-renewal and
 * stalled-check timers, then both connections with `close(true)`, which marks them closing (so
 * pending completion retries give up instead of spinning) and cancels ioredis's reconnection
 * timer. Nothing is left to keep the process alive; the stuck close stays pending, unreferenced.
 */
async function abandonWorker(worker: Worker<JobData, void>): Promise<void> {
  const internals = worker as unknown as WorkerInternals;
  await internals.lockManager?.close?.().catch(() => undefined);
  internals.stalledCheckStopper?.();
  await internals.blockingConnection?.close?.(true).catch(() => undefined);
  await internals.connection?.close?.(true).catch(() => undefined);
}
