/** A request to process one transaction: a doorbell, not the data (the store holds the data). */
export interface QueueJob {
  transactionId: string;
  /**
   * The transaction's attempt count when the job was made. Jobs dedupe on (transactionId, attempt),
   * so a retry scheduled while the failed attempt's job still exists is not swallowed by it.
   */
  attempt: number;
  /** Run no sooner than this many milliseconds from now (retry backoff). Default 0. */
  delayMs?: number;
}

/** Handles one job. Must not throw: failures are recorded in the store, never left to the queue. */
export type JobProcessor = (transactionId: string) => Promise<void>;

/** Options for {@link JobQueue.consume}. */
export interface ConsumeOptions {
  /** How many jobs run at once in this process. */
  concurrency: number;
  /**
   * Called when a queue that refused jobs for want of room (a bounded in-memory queue) has room
   * again. The refused jobs' transactions are in the store: the consumer should look there. Must
   * not throw. Queues that never refuse a job never call it.
   */
  onRoom?: () => void;
}

/**
 * The port every job queue implements. Delivery may be lost or repeated: the store's atomic insert
 * and conditional claim make both harmless, and the worker's recovery sweep re-dispatches whatever a
 * queue lost. An adapter owns its connections (`ready`, `close`).
 */
export interface JobQueue {
  /** Opens connections. Idempotent. */
  ready(): Promise<void>;
  /** Stops consuming (waiting for running jobs) and releases connections. Safe to call twice. */
  close(): Promise<void>;
  /** Resolves when the backend answers; rejects otherwise. */
  ping(): Promise<void>;
  /** Adds jobs; a job whose (transactionId, attempt) is already waiting is not added twice. */
  enqueue(jobs: readonly QueueJob[]): Promise<void>;
  /**
   * How long a producer should gather jobs before one {@link JobQueue.enqueue} call, for a queue
   * whose every call has a fixed cost worth sharing. Absent: enqueue at once.
   */
  readonly enqueueWindowMs?: number;
  /** Starts running jobs in this process with `processor`. Called at most once. */
  consume(processor: JobProcessor, options: ConsumeOptions): void;
  /** Stops taking new jobs; resolves once every running processor has returned. */
  stopConsuming(): Promise<void>;
  /** Jobs waiting or delayed (not running). */
  depth(): Promise<number>;
}
