/**
 * `npm test` and `npm run test:faults`: runs every `*.test.js` file under a compiled test tree with
 * Node's test runner, on whichever supported Node.js runs this script.
 *
 *   node dist/scripts/run-tests.js <tree> [--concurrency <n>] [--timeout <ms>] [files…] [node --test options…]
 *
 * The files are listed here rather than passed to `node --test` as a directory or a glob: Node 22
 * and later read `--test` arguments as glob patterns and refuse a directory, and a tree that holds
 * no test file must fail rather than pass with zero tests. Arguments ending in `.js` narrow the run
 * to those files; any other argument goes to `node --test` as is (e.g. `--test-name-pattern=…`).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { unsupportedNodeVersion } from '../src/node-version.js';

const unsupported = unsupportedNodeVersion();
if (unsupported) {
  console.error(unsupported);
  process.exit(1);
}

const [tree, ...args] = process.argv.slice(2);
if (!tree) {
  console.error(
    'usage: run-tests.js <tree> [--concurrency n] [--timeout ms] [files…] [node --test options…]',
  );
  process.exit(2);
}
let concurrency = '4';
let timeout = '180000';
const chosen: string[] = [];
const passThrough: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (arg === '--concurrency') concurrency = args[++i] ?? concurrency;
  else if (arg === '--timeout') timeout = args[++i] ?? timeout;
  else if (arg.endsWith('.js')) chosen.push(resolve(arg));
  else passThrough.push(arg);
}
const root = resolve(tree);
const files =
  chosen.length > 0
    ? chosen
    : readdirSync(root, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.test.js'))
        .map((f) => join(root, f))
        .sort();
if (files.length === 0) {
  console.error(`No *.test.js file under ${relative(process.cwd(), root) || '.'}: did the build run?`);
  process.exit(1);
}

const child = spawn(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, `--test-timeout=${timeout}`, ...passThrough, ...files],
  { stdio: 'inherit' },
);
// Ctrl-C reaches the whole process group; the runner only has to wait for node --test to finish.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
