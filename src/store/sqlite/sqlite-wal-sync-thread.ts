/**
 * The thread behind {@link WalSync}: syncs the SQLite WAL file, one `fdatasync` after another, for
 * as long as the event loop keeps asking. Started with {@link WalSyncThreadOptions} as
 * `workerData`. The request counter lives in shared memory, so a sync starts the moment the
 * previous one ends, whether or not the event loop is free to notice; each finished sync is posted
 * back as the number of the last request it covers. A failed sync is posted as
 * `{ failed: message }` and ends the thread: after one, nothing written before it can be trusted
 * to be on disk (see {@link WalSync}).
 */
import { fdatasyncSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { WAL_SYNC_REQUESTED, WAL_SYNC_STOP } from './sqlite-wal-sync.js';

/** What the sync thread is started with. */
export interface WalSyncThreadOptions {
  /** The WAL file, opened read-write by the parent, which also closes it after the thread ends. */
  fd: number;
  /** Two 64-bit slots: the last request (see {@link WAL_SYNC_REQUESTED}) and the stop flag. */
  state: SharedArrayBuffer;
}

/** What the thread posts: the last request a finished sync covers, or why a sync failed. */
export type WalSyncThreadMessage = number | { failed: string };

const port = parentPort;
if (!port) throw new Error('sqlite-wal-sync-thread runs as a worker thread');
const { fd, state } = workerData as WalSyncThreadOptions;
const slots = new BigInt64Array(state);

let synced = 0n;
while (Atomics.load(slots, WAL_SYNC_STOP) === 0n) {
  const requested = Atomics.load(slots, WAL_SYNC_REQUESTED);
  if (requested === synced) {
    // Sleeps until a request (or the stop flag) changes the slot; returns at once if one did.
    Atomics.wait(slots, WAL_SYNC_REQUESTED, requested);
    continue;
  }
  try {
    // Everything written before request `requested` was made is in the page cache by now; this
    // makes it durable.
    fdatasyncSync(fd);
  } catch (error) {
    port.postMessage({ failed: (error as Error).message } satisfies WalSyncThreadMessage);
    break;
  }
  synced = requested;
  port.postMessage(Number(synced) satisfies WalSyncThreadMessage);
}
port.close();
