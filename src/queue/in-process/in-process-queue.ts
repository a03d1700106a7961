import type { Logger } from '../../logger.js';
import type { ConsumeOptions, JobProcessor, JobQueue, QueueJob } from '../job-queue.js';

/** Options of {@link InProcessQueue}. */
export interface InProcessQueueOptions {
  /**
   * Most jobs held waiting (ready or delayed, not running). Beyond it, enqueue leaves the job out:
   * its transaction is RECEIVED in the store, and the consumer is told to look there once the queue
   * is down to half (`ConsumeOptions.onRoom`). Bounds memory under a flood. Default 10,000.
   */
  maxWaiting?: number;
  /** Told once per episode when the queue starts leaving jobs to the store. */
  log?: Logger;
}

const keyOf = (job: QueueJob) => `${job.attempt}:${job.transactionId}`;

/**
 * A queue that lives in this process's memory: the embedded default. Jobs are lost with the
 * process, which is safe because the store keeps every transaction and the worker's recovery sweep
 * dispatches RECEIVED and expired PROCESSING rows again at start and at every interval.
 *
 * Without a consumer in this process (an API-only process), enqueue is a no-op: a separate worker
 * finds the rows by polling the store.
 */
export class InProcessQueue implements JobQueue {
  readonly #maxWaiting: number;
  readonly #log: Logger | undefined;
  /** Set when a job was left out for want of room, until the consumer is told there is room. */
  #refused = false;
  #onRoom: (() => void) | undefined;
  #processor: JobProcessor | undefined;
  #concurrency = 1;
  #stopped = false;
  #running = 0;
  #idle: (() => void) | undefined;
  /** Keys of jobs waiting or delayed, for dedupe. */
  readonly #pendingKeys = new Set<string>();
  readonly #ready: QueueJob[] = [];
  #readyHead = 0;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(options: InProcessQueueOptions = {}) {
    this.#maxWaiting = options.maxWaiting ?? 10_000;
    this.#log = options.log;
  }

  async ready(): Promise<void> {}

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    await this.stopConsuming();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#pendingKeys.clear();
    this.#ready.length = 0;
    this.#readyHead = 0;
  }

  async enqueue(jobs: readonly QueueJob[]): Promise<void> {
    if (!this.#processor || this.#stopped) return;
    for (const job of jobs) {
      const key = keyOf(job);
      if (this.#pendingKeys.has(key)) continue;
      if (this.#pendingKeys.size >= this.#maxWaiting) {
        if (!this.#refused) {
          this.#refused = true;
          this.#log?.warn(
            { maxWaiting: this.#maxWaiting },
            'in-process queue full: further transactions wait in the store until it has room',
          );
        }
        continue;
      }
      this.#pendingKeys.add(key);
      const delay = job.delayMs ?? 0;
      if (delay <= 0) this.#ready.push(job);
      else this.#delay(job, Date.now() + delay);
    }
    this.#pump();
  }

  /**
   * Makes `job` ready at `dueAt` (wall clock), never before. A timer runs on the event loop's own
   * millisecond clock, not on `Date.now()`, and was seen to fire 1 ms before `Date.now() + delay`;
   * a retry delivered before the store's `availableAt` finds its row not claimable.
   */
  #delay(job: QueueJob, dueAt: number): void {
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        if (Date.now() < dueAt) {
          this.#delay(job, dueAt);
          return;
        }
        this.#ready.push(job);
        this.#pump();
      },
      Math.max(dueAt - Date.now(), 1),
    );
    timer.unref();
    this.#timers.add(timer);
  }

  consume(processor: JobProcessor, options: ConsumeOptions): void {
    if (this.#processor) throw new Error('InProcessQueue.consume called twice');
    this.#processor = processor;
    this.#concurrency = options.concurrency;
    this.#onRoom = options.onRoom;
  }

  async stopConsuming(): Promise<void> {
    this.#stopped = true;
    if (this.#running === 0) return;
    await new Promise<void>((resolve) => {
      this.#idle = resolve;
    });
  }

  async depth(): Promise<number> {
    return this.#pendingKeys.size;
  }

  #pump(): void {
    const processor = this.#processor;
    if (!processor) return;
    while (!this.#stopped && this.#running < this.#concurrency && this.#readyHead < this.#ready.length) {
      const job = this.#ready[this.#readyHead++]!;
      if (this.#readyHead > 1024 && this.#readyHead * 2 > this.#ready.length) {
        this.#ready.splice(0, this.#readyHead);
        this.#readyHead = 0;
      }
      this.#pendingKeys.delete(keyOf(job));
      this.#running++;
      processor(job.transactionId).finally(() => {
        this.#running--;
        if (this.#stopped && this.#running === 0) this.#idle?.();
        else this.#pump();
      });
    }
    if (this.#refused && !this.#stopped && this.#pendingKeys.size <= this.#maxWaiting / 2) {
      this.#refused = false;
      this.#onRoom?.();
    }
  }
}
