import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { MINIMUM_NODE_VERSION, unsupportedNodeVersion } from '../src/node-version.js';
import { MAIN } from './helpers/service-process.js';

test('Node 22.14 and later are supported; 20.x and early 22.x are refused with one line', () => {
  for (const version of ['22.14.0', 'v22.23.5', '23.0.0', '24.0.0', '24.22.3', '26.1.0']) {
    assert.equal(unsupportedNodeVersion(version), null, version);
  }
  for (const version of ['20.20.2', 'v20.10.0', '22.13.1', '22.0.0', '18.19.0']) {
    const message = unsupportedNodeVersion(version);
    assert.ok(message, version);
    assert.match(message, new RegExp(MINIMUM_NODE_VERSION.replaceAll('.', '\\.')));
    assert.match(message, new RegExp(version.replace(/^v/, '').replaceAll('.', '\\.')));
    assert.doesNotMatch(message, /\n/);
  }
});

test('this process runs on a supported Node', () => {
  assert.equal(unsupportedNodeVersion(), null);
  const run = spawnSync(process.execPath, [MAIN, 'no-such-command'], { encoding: 'utf8' });
  // Past the version check: the command is what it refuses.
  assert.match(run.stderr, /Unknown command "no-such-command"/);
});
