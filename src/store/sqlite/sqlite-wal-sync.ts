import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

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

/**
 * Makes SQLite's `synchronous = FULL` guarantee (a committed transaction survives power loss)
 * without blocking the event loop on `fsync` at every commit.
 *
 * The connection commits with `synchronous = NORMAL` (in WAL mode: the commit's frames are written
 * to the WAL file, not synced); the store then awaits {@link WalSync.flush}, an `fdatasync` of the
 * WAL file on libuv's thread pool (what SQLite itself calls on Linux), before it resolves. It
 * flushes every byte written to the file before it was called, so once it returns the commit is as
 * durable as under FULL. Frames that a
 * checkpoint moved into the database file are covered too: in NORMAL mode SQLite syncs the WAL
 * before and the database file after every checkpoint. Writers that commit while a sync is running
 * share the next one, so N concurrent commits cost at most two syncs, not N.
 *
 * A failed `fsync` is sticky: after one, the kernel may have dropped the dirty pages and a later
 * `fsync` could succeed without them, so every later flush rejects and the store reports itself
 * unhealthy until restarted (PostgreSQL takes the same stance).
 */
export class WalSync {
  readonly #fd: number;
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;
  #failure: Error | undefined;

  /** Opens the WAL file (it must exist) and syncs its directory, so the file itself is durable. */
  constructor(walPath: string) {
    // Read-write: Windows refuses to flush a handle opened read-only.
    this.#fd = openSync(walPath, 'r+');
    syncDirectory(dirname(walPath));
  }

  /** The sticky failure of an earlier sync, if any. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Resolves once everything written to the WAL before this call is on stable storage. */
  flush(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    // A sync queued behind the running one starts after this call's writes: share it.
    if (this.#next) return this.#next;
    const running = this.#running;
    if (!running) return this.#start();
    // The running sync may have started before this call's writes: queue exactly one more.
    const next = running
      .catch(() => undefined)
      .then(() => {
        this.#next = undefined;
        return this.#start();
      });
    this.#next = next;
    return next;
  }

  /**
   * The sync that will cover everything {@link WalSync.flush} was asked to cover so far, if it has
   * not finished: awaiting it is as good as a flush when nothing was written since the last call.
   */
  pending(): Promise<void> | undefined {
    if (this.#failure) return Promise.reject(this.#failure);
    return this.#next ?? this.#running;
  }

  /** Waits for syncs in progress, then closes the file. */
  async close(): Promise<void> {
    await this.pending()?.catch(() => undefined);
    closeSync(this.#fd);
  }

  #start(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const run: Promise<void> = new Promise<void>((resolve, reject) => {
      fdatasync(this.#fd, (error) => {
        if (error) {
          this.#failure = new Error(`fsync of the SQLite WAL failed: ${error.message}`, { cause: error });
          reject(this.#failure);
        } else {
          resolve();
        }
      });
    }).finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
    this.#running = run;
    return run;
  }
}
