import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  machineCpuSeconds,
  parseMachineStat,
  parseProcessStat,
  processCpuSeconds,
  startCpuMeter,
} from '../../bench/cpu-usage.js';

/** Burns CPU on this thread until this process's reading has grown by `seconds` (bounded). */
function burnUntilGrown(seconds: number): void {
  const start = processCpuSeconds(process.pid);
  assert.ok(start !== undefined, 'no CPU reading for this process');
  let x = 0;
  for (let round = 0; round < 10_000; round++) {
    for (let i = 0; i < 100_000; i++) x = (x * 31 + i) % 1_000_003;
    if ((processCpuSeconds(process.pid) ?? start) - start >= seconds) return;
  }
  assert.fail(`CPU reading did not grow by ${seconds} s (x=${x})`);
}

describe('bench: CPU per request from /proc', () => {
  test('a process line is read from its last parenthesis, so any command name parses', () => {
    const line = '4242 (node (api) x) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 37 0 0 20 0 11 0 1';
    assert.equal(parseProcessStat(line), 287);
    assert.equal(parseProcessStat('4242 (node) S 1 2'), undefined);
    assert.equal(parseProcessStat('garbage'), undefined);
  });

  test('the machine line adds up busy and idle ticks over all CPUs', () => {
    const text = 'cpu  100 5 40 1000 20 1 3 7 0 0\ncpu0 50 2 20 500 10 0 1 3 0 0\nintr 1\n';
    assert.deepEqual(parseMachineStat(text), { busy: 156, idle: 1020 });
    assert.equal(parseMachineStat('intr 1\n'), undefined);
  });

  test('a meter around real work reports its CPU per request', { skip: process.platform !== 'linux' }, () => {
    const machineBefore = machineCpuSeconds();
    assert.ok(machineBefore, 'no /proc/stat reading');
    const meter = startCpuMeter([process.pid]);
    burnUntilGrown(0.2);
    const cpu = meter.finish(1000);
    assert.ok(cpu, 'no figures');
    // At least 0.2 s of this process's CPU over 1,000 "requests": 200 µs each.
    assert.ok(cpu.serverUs >= 200, `server ${cpu.serverUs} µs`);
    assert.ok(cpu.machineUs > 0, `machine ${cpu.machineUs} µs`);
    assert.ok(cpu.machineIdle >= 0 && cpu.machineIdle <= 1, `idle ${cpu.machineIdle}`);
    assert.equal(startCpuMeter([process.pid]).finish(0), undefined, 'no requests, no figures');
  });

  test('a process that is gone or has no pid makes the meter report nothing', () => {
    // Far beyond pid_max on Linux (at most 2^22).
    const gone = 2 ** 30;
    assert.equal(processCpuSeconds(gone), undefined);
    assert.equal(startCpuMeter([gone]).finish(100), undefined);
    assert.equal(startCpuMeter([process.pid, undefined]).finish(100), undefined, 'a process without a pid');
  });
});
