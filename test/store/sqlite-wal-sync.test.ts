import assert from 'node:assert/strict';
import { appendFileSync, closeSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { WalSync } from '../../src/store/sqlite/sqlite-wal-sync.js';
import { tempDir } from '../helpers/temp-dir.js';

function walFile(t: import('node:test').TestContext): string {
  const path = join(tempDir(t), 'db.sqlite-wal');
  writeFileSync(path, '');
  return path;
}

test('wal sync: every flush resolves, in the order asked, and nothing is pending afterwards', async (t) => {
  const path = walFile(t);
  const sync = new WalSync(path);
  t.after(() => sync.close());
  assert.equal(sync.pending(), undefined);

  const resolved: number[] = [];
  const flushes: Promise<void>[] = [];
  for (let i = 0; i < 200; i++) {
    appendFileSync(path, `frame ${i}\n`);
    flushes.push(sync.flush().then(() => void resolved.push(i)));
    // Some flushes are asked for while a sync runs, some in a later turn.
    if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const pending = sync.pending();
  assert.ok(pending, 'flushes asked for and not yet covered are pending');
  await Promise.all(flushes);
  await pending;
  assert.deepEqual(
    resolved,
    Array.from({ length: 200 }, (_, i) => i),
  );
  assert.equal(sync.pending(), undefined);
  assert.equal(sync.failure, undefined);
});

test('wal sync: a failed fsync rejects the flushes waiting for it and every later one', async (t) => {
  if (process.platform !== 'linux') return t.skip('finds its file descriptor in /proc/self/fd');
  const path = walFile(t);
  const sync = new WalSync(path);
  await sync.flush();

  // Close the descriptor behind its back: the next fdatasync fails with EBADF, as a sync that the
  // disk refused would.
  const fd = readdirSync('/proc/self/fd')
    .map(Number)
    .find((n) => {
      try {
        return readlinkSync(`/proc/self/fd/${n}`) === path;
      } catch {
        return false;
      }
    });
  assert.ok(fd !== undefined, 'the WAL file is open');
  closeSync(fd);

  await assert.rejects(sync.flush(), /fsync of the SQLite WAL failed/);
  assert.match(String(sync.failure?.message), /fsync of the SQLite WAL failed/);
  await assert.rejects(sync.flush(), /fsync of the SQLite WAL failed/);
  await assert.rejects(Promise.resolve(sync.pending()), /fsync of the SQLite WAL failed/);
  // Closing still stops the thread; only the descriptor, closed above, is gone.
  await assert.rejects(sync.close(), { code: 'EBADF' });
});
