/**
 * Runs SQLite WAL checkpoints on a thread of its own, with its own connection: copying committed
 * pages from the WAL into the database file (and syncing both) is disk work that, left to SQLite's
 * automatic checkpoint, runs inside whichever commit crosses the threshold, on the event loop.
 * Started by {@link WalCheckpointer} with {@link CheckpointThreadOptions} as `workerData`; it stops
 * when its parent posts any message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** What the checkpoint thread is started with. */
export interface CheckpointThreadOptions {
  /** The database file (WAL mode, already created and migrated). */
  path: string;
  /** Pause between two checkpoints. */
  intervalMs: number;
}

const port = parentPort;
if (!port) throw new Error('sqlite-checkpoint-thread runs as a worker thread');
const { path, intervalMs } = workerData as CheckpointThreadOptions;

const db = new Database(path, { fileMustExist: true });
// NORMAL: the checkpoint syncs the WAL before copying and the database file after, so pages leave
// the WAL only once they are durable in the file.
db.pragma('synchronous = NORMAL');
// This connection never commits anything, so it would never checkpoint on its own either.
db.pragma('wal_autocheckpoint = 0');

let timer: NodeJS.Timeout | undefined;

function checkpoint(): void {
  try {
    // PASSIVE: never waits for, nor blocks, the writers and readers of other connections.
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy (another process is checkpointing) or a transient I/O error: the next round retries,
    // and the writers' automatic checkpoint stays as the backstop.
  }
  timer = setTimeout(checkpoint, intervalMs);
}

timer = setTimeout(checkpoint, intervalMs);
port.once('message', () => {
  clearTimeout(timer);
  db.close();
  port.close();
});
