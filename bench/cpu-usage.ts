/**
 * CPU time per request, read from Linux's /proc: how much of the machine one webhook costs, in the
 * server's processes (all their threads: the event loop, SQLite's checkpoint and WAL sync threads,
 * libuv's thread pool, the garbage collector's helpers) and on the whole machine (load generator, kernel
 * threads and database servers included). Two cores are shared by everything in a run, so a server
 * that spends more CPU per request leaves less for the load generator and reaches fewer req/s even
 * where its event loop has time to spare; these figures show where a ratio to the ceiling comes from.
 * Elsewhere than Linux every reading is undefined and the report leaves the columns empty.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's times (USER_HZ): 100 on nearly every Linux, asked once. */
let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    let ticks = Number.NaN;
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      // No getconf: Linux's USER_HZ is 100 on every architecture Node supports.
    }
    ticksPerSecond = Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  }
  return ticksPerSecond;
}

/**
 * User plus system time, in clock ticks, from the text of `/proc/<pid>/stat`. The command name (the
 * second field) is in parentheses and may hold spaces or parentheses itself, so the fields are
 * counted from the last `)`: utime and stime are the 14th and 15th fields of the line.
 */
export function parseProcessStat(text: string): number | undefined {
  const end = text.lastIndexOf(')');
  if (end < 0) return undefined;
  // After ") " the third field (state) comes first: utime is at index 11, stime at 12.
  const fields = text.slice(end + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : undefined;
}

/** Busy and idle clock ticks of all CPUs together, from the `cpu` line of `/proc/stat`. */
export function parseMachineStat(text: string): { busy: number; idle: number } | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  // user nice system idle iowait irq softirq steal (guest times are already inside user and nice).
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map((v) => Number(v) || 0);
  return {
    busy: (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0),
    idle: (idle ?? 0) + (iowait ?? 0),
  };
}

/** CPU seconds a live process has used so far, all threads; undefined once it is gone or off Linux. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const ticks = parseProcessStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return ticks === undefined ? undefined : ticks / clockTicks();
  } catch {
    return undefined;
  }
}

/** Busy and idle CPU seconds of the whole machine so far (summed over CPUs); undefined off Linux. */
export function machineCpuSeconds(): { busy: number; idle: number } | undefined {
  try {
    const stat = parseMachineStat(readFileSync('/proc/stat', 'utf8'));
    if (!stat) return undefined;
    const ticks = clockTicks();
    return { busy: stat.busy / ticks, idle: stat.idle / ticks };
  } catch {
    return undefined;
  }
}

/** What one load run cost in CPU. */
export interface CpuPerRequest {
  /** CPU time of the server's processes per answered request, in microseconds. */
  serverUs: number;
  /** Busy CPU time of the whole machine per answered request, in microseconds. */
  machineUs: number;
  /** Share of the machine's CPU time left idle during the run (0 to 1). */
  machineIdle: number;
}

/** Readings taken before a load run; {@link CpuMeter.finish} turns them into per-request figures. */
export interface CpuMeter {
  finish(requests: number): CpuPerRequest | undefined;
}

/**
 * Starts measuring the CPU that `pids` (the server's processes) and the machine use from now on. A
 * process without a pid, or gone before the end, makes the meter report nothing rather than a
 * figure that leaves it out.
 */
export function startCpuMeter(pids: ReadonlyArray<number | undefined>): CpuMeter {
  const reading = (pid: number | undefined) => (pid === undefined ? undefined : processCpuSeconds(pid));
  const serverBefore = pids.map(reading);
  const machineBefore = machineCpuSeconds();
  return {
    finish(requests) {
      const serverAfter = pids.map(reading);
      const machineAfter = machineCpuSeconds();
      if (!machineBefore || !machineAfter || requests <= 0) return undefined;
      let server = 0;
      for (let i = 0; i < pids.length; i++) {
        const before = serverBefore[i];
        const after = serverAfter[i];
        if (before === undefined || after === undefined) return undefined;
        server += after - before;
      }
      const busy = machineAfter.busy - machineBefore.busy;
      const idle = machineAfter.idle - machineBefore.idle;
      return {
        serverUs: (server / requests) * 1e6,
        machineUs: (busy / requests) * 1e6,
        machineIdle: busy + idle > 0 ? idle / (busy + idle) : 0,
      };
    },
  };
}
