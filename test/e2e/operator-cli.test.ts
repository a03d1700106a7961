import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { jsonLines, runCli } from '../helpers/operator-cli.js';
import { newTransaction } from '../helpers/sample-transaction.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Runs `main.js cli …` as an operator would, against the SQLite file `path`. */
const cli = (path: string, ...args: string[]) => runCli({ SQLITE_PATH: path }, args);

const lines = (stdout: string) =>
  jsonLines<{ transaction_id: string; status: string; payload?: string }>(stdout);

test('cli: list, show, stats and retry work on the configured store, with usage errors as exit 2', async (t) => {
  const path = join(tempDir(t), 'webhooks.db');
  const store = new SqliteStore({ path, synchronous: 'NORMAL' });
  await store.ready();
  t.after(() => store.close());
  const old = newTransaction({ receivedAt: new Date(Date.now() - 3 * 3_600_000) });
  const failed = [0, 1, 2].map((i) =>
    newTransaction({ provider: 'stripe', receivedAt: new Date(Date.now() - 1000 + i) }),
  );
  const waiting = newTransaction();
  await store.insertMany([old, ...failed, waiting]);
  for (const item of [old, ...failed]) {
    await store.claim(item.transactionId, 'w', 60_000);
    await store.fail(item.transactionId, 'w', 'Error: declined');
  }

  const recent = await cli(path, 'list', '--status', 'FAILED', '--since', '1h');
  assert.equal(recent.code, 0, recent.stderr);
  assert.deepEqual(
    lines(recent.stdout).map((v) => v.transaction_id),
    [...failed].reverse().map((i) => i.transactionId),
  );
  const paged = await cli(path, 'list', '--status', 'FAILED', '--limit', '2');
  assert.equal(lines(paged.stdout).length, 2);
  const cursor = /--cursor (\S+)/.exec(paged.stderr)?.[1];
  assert.ok(cursor, paged.stderr);
  const next = await cli(path, 'list', '--status', 'FAILED', '--limit', '2', '--cursor', cursor);
  assert.deepEqual(
    lines(next.stdout).map((v) => v.transaction_id),
    [failed[0]!.transactionId, old.transactionId],
  );
  assert.equal(next.stderr, '', 'the last page prints no cursor');
  const all = await cli(path, 'list', '--limit', '1', '--all');
  assert.equal(lines(all.stdout).length, 5);
  const table = await cli(path, 'list', '--status', 'FAILED', '--format', 'table');
  assert.equal(table.stdout.trim().split('\n').length, 4);
  assert.match(table.stdout, /FAILED +stripe/);

  const shown = await cli(path, 'show', waiting.transactionId);
  assert.equal(shown.code, 0);
  assert.equal(lines(shown.stdout)[0]?.payload, waiting.payload);
  assert.equal((await cli(path, 'show', 'txn_unknown')).code, 1);

  const stats = await cli(path, 'stats');
  assert.deepEqual(JSON.parse(stats.stdout).by_status, {
    RECEIVED: 1,
    PROCESSING: 0,
    PROCESSED: 0,
    FAILED: 4,
  });

  const dry = await cli(path, 'retry', '--status', 'FAILED', '--since', '1h', '--dry-run');
  assert.deepEqual(JSON.parse(dry.stdout), { matched: 3 });
  assert.equal((await store.countByStatus()).FAILED, 4);
  const retried = await cli(path, 'retry', '--status', 'FAILED', '--since', '1h');
  assert.deepEqual(JSON.parse(retried.stdout), { requeued: 3 });
  assert.equal((await store.get(old.transactionId))?.status, 'FAILED', 'older than --since: untouched');
  for (const item of failed) assert.equal((await store.get(item.transactionId))?.status, 'RECEIVED');
  assert.deepEqual(JSON.parse((await cli(path, 'retry', '--ids', old.transactionId)).stdout), {
    requeued: 1,
  });
  assert.equal((await cli(path, 'requeue', old.transactionId)).code, 1, 'requeue: no longer FAILED');

  for (const args of [
    [],
    ['bogus'],
    ['list', '--status', 'DONE'],
    ['list', '--since', 'yesterday'],
    ['list', '--limit', '501'],
    ['list', '--cursor', 'abc'],
    ['list', '--status', 'RECEIVED', '--cursor', cursor],
    ['list', '--unknown'],
    ['retry', '--status', 'RECEIVED'],
    ['retry', '--ids', 'a', '--provider', 'stripe'],
    ['show'],
  ]) {
    const res = await cli(path, ...args);
    assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
    assert.match(res.stderr, /Usage: cli/);
  }
});

test("cli: attempts lists a transaction's history; replay sends one, or every match, through again", async (t) => {
  const path = join(tempDir(t), 'webhooks.db');
  const store = new SqliteStore({ path, synchronous: 'NORMAL' });
  await store.ready();
  t.after(() => store.close());
  const [done, failed, waiting] = [newTransaction(), newTransaction(), newTransaction()];
  await store.insertMany([done, failed, waiting]);
  await store.claim(done.transactionId, 'w', 60_000);
  await store.retryLater(done.transactionId, 'w', 'RetryableError: HTTP 503: busy', new Date(), {
    httpStatus: 503,
    responseExcerpt: 'busy',
  });
  await store.claim(done.transactionId, 'w', 60_000);
  await store.complete(done.transactionId, 'w', { httpStatus: 200, responseExcerpt: '' });
  await store.claim(failed.transactionId, 'w', 60_000);
  await store.fail(failed.transactionId, 'w', 'PermanentError: HTTP 400', {
    httpStatus: 400,
    responseExcerpt: 'no',
  });

  const history = await cli(path, 'attempts', done.transactionId);
  assert.equal(history.code, 0, history.stderr);
  const rows = history.stdout
    .trim()
    .split('\n')
    .map(
      (l) => JSON.parse(l) as { attempt: number; outcome: string; http_status: number; duration_ms: number },
    );
  assert.deepEqual(
    rows.map((r) => [r.attempt, r.outcome, r.http_status]),
    [
      [1, 'retrying', 503],
      [2, 'succeeded', 200],
    ],
  );
  assert.ok(rows.every((r) => typeof r.duration_ms === 'number'));
  assert.equal((await cli(path, 'attempts', 'txn_unknown')).code, 1);

  const dry = await cli(path, 'replay', '--status', 'PROCESSED', '--dry-run');
  assert.deepEqual(JSON.parse(dry.stdout), { matched: 1 });
  const one = await cli(path, 'replay', done.transactionId);
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(JSON.parse(one.stdout), { transaction_id: done.transactionId, status: 'RECEIVED' });
  const again = await cli(path, 'replay', done.transactionId);
  assert.equal(again.code, 1, 'RECEIVED now');
  assert.match(again.stderr, /Only PROCESSED or FAILED transactions can be replayed; this one is RECEIVED/);
  assert.equal((await cli(path, 'replay', 'txn_unknown')).code, 1);
  const all = await cli(path, 'replay', '--since', '1h');
  assert.deepEqual(JSON.parse(all.stdout), { replayed: 1 }, 'only the FAILED one was left to replay');
  assert.equal((await store.get(failed.transactionId))?.status, 'RECEIVED');
  assert.equal((await store.get(waiting.transactionId))?.status, 'RECEIVED');
  assert.deepEqual(await store.countByStatus(), { RECEIVED: 3, PROCESSING: 0, PROCESSED: 0, FAILED: 0 });

  for (const args of [
    ['attempts'],
    ['replay', '--status', 'RECEIVED'],
    ['replay', 'a', 'b'],
    ['replay', 'a', '--status', 'FAILED'],
    ['replay', '--ids', 'a', '--provider', 'stripe'],
  ]) {
    const res = await cli(path, ...args);
    assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
    assert.match(res.stderr, /Usage: cli/);
  }
});
