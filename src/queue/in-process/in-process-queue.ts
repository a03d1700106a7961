import type { ConsumeOptions, JobProcessor, JobQueue, QueueJob } from '../job-queue.js';

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
      this.#pendingKeys.add(key);
      const delay = job.delayMs ?? 0;
      if (delay <= 0) this.#ready.push(job);
      else this.#delay(job, Date.now() + delay);
    }
    this.#pump();
  }

  /**
   * Makes `job` ready at `dueAt` (wall clock), never before: a timer measures from the event loop's
   * cached time, which lags behind the wall clock after a long turn, so it can fire early by as
   * much, and a retry delivered before the store's `availableAt` would find its row not claimable.
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
  }
}
