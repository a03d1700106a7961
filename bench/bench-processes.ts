import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './load-client.js';
import { runCommand } from './run-command.js';

/** The compiled service entry point, next to this file's compiled folder. */
export const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const LOAD_CLIENT = fileURLToPath(new URL('./load-client.js', import.meta.url));
/** The bare-Fastify ceiling server. */
export const CEILING_SERVER = fileURLToPath(new URL('./ceiling-server.js', import.meta.url));

/** A free TCP port on 127.0.0.1 (released before returning; the race is acceptable for a bench). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resident memory of a live process, from /proc (Linux); undefined elsewhere or once it is gone. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** A process the bench started; it is stopped with SIGTERM (SIGKILL after a grace period). */
export interface BenchProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>` when it listens. */
  readonly url: string;
  /** The last 64 KiB of its stdout and stderr. */
  output(): string;
  /** Peak resident memory so far (VmHWM), in MiB. */
  peakRssMb(): number | undefined;
  stop(): Promise<void>;
}

const live = new Set<BenchProcess>();

/** Stops every process the bench started and has not stopped yet (on error or interrupt). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

/**
 * Spawns `node <script> <args>` with `env` (on top of PATH only, so the developer's environment does
 * not leak into a measurement) and, when `port` is given, waits until `GET /` answers 200.
 */
export async function startProcess(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string>,
  port?: number,
): Promise<BenchProcess> {
  const child = spawn(process.execPath, [script, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-65_536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let gone = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      gone = true;
      resolve();
    }),
  );
  const url = port === undefined ? '' : `http://127.0.0.1:${port}`;
  const proc: BenchProcess = {
    name,
    child,
    url,
    output: () => out,
    peakRssMb: () => (child.pid === undefined ? undefined : memoryOf(child.pid)?.peakMb),
    stop: async () => {
      live.delete(proc);
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  live.add(proc);
  if (port !== undefined) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (gone) throw new Error(`${name} exited before it listened:\n${out}`);
      try {
        const response = await fetch(`${url}/`);
        if (response.ok) break;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        await proc.stop();
        throw new Error(`${name} did not answer on ${url} within 30 s:\n${out}`);
      }
      await sleep(50);
    }
  }
  return proc;
}

/** Runs one load test in its own process (see `load-client`) and returns what it measured. */
export async function runLoadClient(spec: LoadSpec): Promise<LoadResult> {
  const { code, stdout, stderr } = await runCommand(process.execPath, [LOAD_CLIENT, JSON.stringify(spec)], {
    env: { PATH: process.env.PATH ?? '' },
  });
  if (code !== 0) throw new Error(`load client exited with ${code}: ${stderr}`);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as LoadResult;
}
