import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { webhookBody } from '../helpers/sample-transaction.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startTestRuntime } from '../helpers/test-runtime.js';

/** The whole run; the file is measured at its half-way point and through its second half. */
const RUN_MS = 60_000;
/**
 * Webhooks sent together every tick: 100 a second, which a machine busy with the rest of the suite
 * still keeps up with, so the load stays steady (the file's size follows the rows a retention
 * window holds, so a rate that rose in the second half would grow it).
 */
const PER_TICK = 10;
const TICK_MS = 100;
/** A webhook body of about 1 KB, as a provider's event is. */
const NOTE = 'x'.repeat(800);

const bytes = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;

test('retention: under a steady fresh-id load (5 s retention) the SQLite file stops growing (its second half within 20% of its size half-way)', {
  timeout: 240_000,
}, async (t) => {
  const path = join(tempDir(t), 'webhooks.db');
  const runtime = await startTestRuntime(t, {
    SQLITE_PATH: path,
    SQLITE_SYNCHRONOUS: 'FULL',
    PROCESS_DELAY_SECONDS: '0.05',
    RETENTION_DAYS: String(5 / 86_400),
    RETENTION_INTERVAL_SECONDS: '0.5',
  });
  const app = runtime.app!;
  let posted = 0;
  let halfway: { db: number; wal: number } | undefined;
  const second = { db: 0, wal: 0 };
  const first = { wal: 0 };
  const started = Date.now();
  // Bounded by the clock, paced by ticks: a tick the machine was too busy for is skipped rather
  // than caught up with a burst, so the rate never rises above the pace.
  for (let tick = 0; ; tick++) {
    const elapsed = Date.now() - started;
    if (elapsed >= RUN_MS) break;
    if (elapsed < tick * TICK_MS) await sleep(tick * TICK_MS - elapsed);
    else tick = Math.floor(elapsed / TICK_MS);
    const answers = await Promise.all(
      Array.from({ length: PER_TICK }, () =>
        app.inject({
          method: 'POST',
          url: '/v1/webhooks/transactions',
          payload: webhookBody({ note: NOTE }),
        }),
      ),
    );
    for (const answer of answers) assert.equal(answer.statusCode, 202);
    posted += PER_TICK;
    const db = bytes(path);
    const wal = bytes(`${path}-wal`);
    if (Date.now() - started < RUN_MS / 2) {
      first.wal = Math.max(first.wal, wal);
    } else {
      halfway ??= { db, wal };
      second.db = Math.max(second.db, db);
      second.wal = Math.max(second.wal, wal);
    }
  }
  assert.ok(halfway);
  const stats = await runtime.store.countByStatus();
  const kept = stats.RECEIVED + stats.PROCESSING + stats.PROCESSED + stats.FAILED;
  t.diagnostic(
    `posted ${posted}, kept ${kept}; database file ${mb(halfway.db)} half-way, at most ${mb(second.db)} ` +
      `after; WAL at most ${mb(first.wal)} in the first half, ${mb(second.wal)} in the second`,
  );
  // Retention did the work: most of what was posted is gone.
  assert.ok(kept < posted / 4, `kept ${kept} of ${posted}`);
  assert.ok(second.db <= halfway.db * 1.2, `${mb(second.db)} against ${mb(halfway.db)} half-way`);
  // The WAL is checkpointed and starts over from its beginning. How far it grows between two
  // checkpoints depends on how busy the machine is, so only its bound is required: the writer
  // checkpoints by itself past 10,000 pages of 4 KiB.
  assert.ok(Math.max(first.wal, second.wal) < 48e6, `WAL ${mb(Math.max(first.wal, second.wal))}`);
});
