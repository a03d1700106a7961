import { closeSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WalSyncThreadMessage, WalSyncThreadOptions } from './sqlite-wal-sync-thread.js';

/**
 * Syncs a directory so that a file created in it survives power loss. Best effort: some platforms
 * (Windows) cannot open a directory for syncing, and have no need to.
 */
function syncDirectory(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw error;
  } finally {
    closeSync(fd);
  }
}

/** Slot of the shared state holding the number of the last sync request. */
export const WAL_SYNC_REQUESTED = 0;
/** Slot of the shared state that, once not 0, tells the sync thread to stop. */
export const WAL_SYNC_STOP = 1;

interface Waiter {
  /** The request this waiter needs covered. */
  request: number;
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Makes SQLite's `synchronous = FULL` guarantee (a committed transaction survives power loss)
 * without blocking the event loop on `fsync` at every commit.
 *
 * The connection commits with `synchronous = NORMAL` (in WAL mode: the commit's frames are written
 * to the WAL file, not synced); the store then awaits {@link WalSync.flush}, which resolves once an
 * `fdatasync` of the WAL file (what SQLite itself calls on Linux) that started after the call has
 * finished, so the commit is then as durable as under FULL. Frames that a checkpoint moved into
 * the database file are covered too: in NORMAL mode SQLite syncs the WAL before and the database
 * file after every checkpoint.
 *
 * The syncs run on a thread of their own (`sqlite-wal-sync-thread`), back to back while requests
 * keep coming: each covers every request made before it started, so commits made during a sync
 * share the next one. The thread starts that next sync as soon as the previous one ends, without
 * waiting for the event loop to hear of it; with the syncs on libuv's thread pool, started from the
 * event loop, a busy loop delayed every next sync and fewer webhooks shared each one.
 *
 * A failed `fsync` is sticky: after one, the kernel may have dropped the dirty pages and a later
 * `fsync` could succeed without them, so every later flush rejects and the store reports itself
 * unhealthy until restarted (PostgreSQL takes the same stance).
 */
export class WalSync {
  readonly #fd: number;
  readonly #slots: BigInt64Array;
  readonly #thread: Worker;
  readonly #exited: Promise<void>;
  /** Number of the last request made; requests count up from 1. */
  #requested = 0;
  /**
   * One per request no finished sync covers yet, in the order of the requests: the last is the
   * latest request's whenever anything is pending.
   */
  #waiters: Waiter[] = [];
  #failure: Error | undefined;
  #closing = false;

  /** Opens the WAL file (it must exist), syncs its directory (so the file itself is durable) and starts the thread. */
  constructor(walPath: string) {
    // Read-write: Windows refuses to flush a handle opened read-only.
    this.#fd = openSync(walPath, 'r+');
    syncDirectory(dirname(walPath));
    const state = new SharedArrayBuffer(2 * BigInt64Array.BYTES_PER_ELEMENT);
    this.#slots = new BigInt64Array(state);
    const options: WalSyncThreadOptions = { fd: this.#fd, state };
    this.#thread = new Worker(new URL('./sqlite-wal-sync-thread.js', import.meta.url), {
      workerData: options,
    });
    // Held only while somebody waits for a sync (see #waitFor), like a pending libuv request.
    this.#thread.unref();
    this.#thread.on('message', (message: WalSyncThreadMessage) => {
      if (typeof message === 'number') this.#covered(message);
      else this.#fail(new Error(`fsync of the SQLite WAL failed: ${message.failed}`));
    });
    this.#thread.on('error', (error) =>
      this.#fail(new Error('the SQLite WAL sync thread failed', { cause: error })),
    );
    this.#exited = new Promise((resolve) =>
      this.#thread.once('exit', () => {
        if (!this.#closing) this.#fail(new Error('the SQLite WAL sync thread stopped'));
        resolve();
      }),
    );
  }

  /** The sticky failure of an earlier sync, if any. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Resolves once everything written to the WAL before this call is on stable storage. */
  flush(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const request = ++this.#requested;
    Atomics.store(this.#slots, WAL_SYNC_REQUESTED, BigInt(request));
    Atomics.notify(this.#slots, WAL_SYNC_REQUESTED);
    return this.#waitFor(request);
  }

  /**
   * The sync that will cover everything {@link WalSync.flush} was asked to cover so far, if it has
   * not finished: awaiting it is as good as a flush when nothing was written since the last call.
   */
  pending(): Promise<void> | undefined {
    if (this.#failure) return Promise.reject(this.#failure);
    return this.#waiters.at(-1)?.promise;
  }

  /** Waits for the syncs asked for so far, then stops the thread and closes the file. */
  async close(): Promise<void> {
    await this.pending()?.catch(() => undefined);
    this.#closing = true;
    this.#thread.ref();
    Atomics.store(this.#slots, WAL_SYNC_STOP, 1n);
    Atomics.notify(this.#slots, WAL_SYNC_REQUESTED);
    await this.#exited;
    closeSync(this.#fd);
  }

  #waitFor(request: number): Promise<void> {
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    if (this.#waiters.length === 0) this.#thread.ref();
    this.#waiters.push({ request, promise, resolve, reject });
    return promise;
  }

  /** A sync covering every request up to `request` finished. */
  #covered(request: number): void {
    const waiters = this.#waiters;
    let done = 0;
    while (done < waiters.length && waiters[done]!.request <= request) waiters[done++]!.resolve();
    if (done === 0) return;
    this.#waiters = done === waiters.length ? [] : waiters.slice(done);
    if (this.#waiters.length === 0) this.#thread.unref();
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(this.#failure);
    this.#thread.unref();
  }
}
