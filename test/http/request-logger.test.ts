import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import { lazyRequestLogger } from '../../src/http/request-logger.js';
import { createLogger } from '../../src/logger.js';

/** A logger at `level` writing into `lines`; `spy` counts its child() calls (a spied parent's own children would call the spy too). */
function capture(level: string, spy = true) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const parent = createLogger(level, sink);
  let children = 0;
  const realChild = parent.child.bind(parent);
  if (spy)
    parent.child = ((...args: Parameters<typeof parent.child>) => {
      children++;
      return realChild(...args);
    }) as typeof parent.child;
  const make = (bindings: Record<string, unknown>, options = {}) =>
    lazyRequestLogger.call(
      undefined as never,
      parent,
      bindings,
      options,
      undefined as never,
    ) as FastifyBaseLogger;
  return { lines, make, children: () => children };
}

test('a request logger writes enabled lines with its bindings and makes no child for disabled ones', () => {
  const { lines, make, children } = capture('warn');
  const log = make({ reqId: 'r-1' });
  log.debug('not written');
  log.info({ a: 1 }, 'not written either');
  assert.equal(children(), 0, 'no child for lines below the level');
  assert.equal(log.level, 'warn');
  log.warn({ transactionId: 't1' }, 'written');
  log.error(new Error('boom'), 'failed');
  assert.equal(children(), 1, 'one child, made on the first written line');
  assert.deepEqual(
    lines.map((l) => [l.reqId, l.msg]),
    [
      ['r-1', 'written'],
      ['r-1', 'failed'],
    ],
  );
  assert.equal(lines[0]?.transactionId, 't1');
  assert.equal((lines[1]?.err as { message?: string } | undefined)?.message, 'boom');
});

test('a level set on a request logger applies to that request only', () => {
  const { lines, make } = capture('warn');
  const verbose = make({ reqId: 'r-2' });
  verbose.level = 'debug';
  verbose.debug('debug line');
  make({ reqId: 'r-3' }).debug('not written');
  assert.deepEqual(
    lines.map((l) => [l.reqId, l.msg]),
    [['r-2', 'debug line']],
  );
});

test("a request logger's children keep the request's bindings", () => {
  const { lines, make } = capture('info', false);
  make({ reqId: 'r-4' }).child({ role: 'x' }).info('from the child');
  assert.deepEqual(
    lines.map((l) => [l.reqId, l.role, l.msg]),
    [['r-4', 'x', 'from the child']],
  );
});

test('route-level log options get a real child at once', () => {
  const { lines, make, children } = capture('warn');
  const log = make({ reqId: 'r-5' }, { level: 'debug' });
  assert.equal(children(), 1);
  log.debug('route at debug');
  assert.deepEqual(
    lines.map((l) => [l.reqId, l.msg]),
    [['r-5', 'route at debug']],
  );
});
