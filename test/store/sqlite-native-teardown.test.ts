import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CHURN = fileURLToPath(new URL('./sqlite-teardown-churn.js', import.meta.url));

test('sqlite store: connections and statements left to the garbage collector never abort the process', {
  timeout: 120_000,
}, async () => {
  const child = spawn(process.execPath, [CHURN], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (c, s) => resolve([c, s])),
  );
  assert.doesNotMatch(stderr, /Assertion failed|Segmentation fault/, stderr);
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, `${stdout}\n${stderr}`);
  assert.match(stdout, /churn done/);
});
