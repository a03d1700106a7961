import { Worker } from 'node:worker_threads';
import type { CheckpointThreadOptions } from './sqlite-checkpoint-thread.js';

/**
 * Keeps the WAL of one SQLite file checkpointed from a background thread (see
 * `sqlite-checkpoint-thread`). The writing connection keeps SQLite's automatic checkpoint, at a
 * higher threshold, as the backstop: by the time it runs, this thread has copied most pages, so
 * the commit that triggers it finishes the job quickly and lets the WAL start over from its
 * beginning (a checkpoint from another connection alone cannot, while writes keep coming).
 */
export class WalCheckpointer {
  readonly #thread: Worker;
  readonly #exited: Promise<void>;

  /** Starts checkpointing `options.path` every `options.intervalMs`. */
  constructor(options: CheckpointThreadOptions) {
    this.#thread = new Worker(new URL('./sqlite-checkpoint-thread.js', import.meta.url), {
      workerData: options,
    });
    // Checkpoints are housekeeping: they never keep the process alive.
    this.#thread.unref();
    this.#exited = new Promise((resolve) => this.#thread.once('exit', () => resolve()));
    // A thread that fails to start leaves the automatic checkpoint doing the work, as before.
    this.#thread.on('error', () => undefined);
  }

  /** Stops the thread after its current checkpoint, if any. */
  async close(): Promise<void> {
    // Held open until it has closed its connection, so that closing the store is complete.
    this.#thread.ref();
    this.#thread.postMessage('stop');
    await this.#exited;
  }
}
