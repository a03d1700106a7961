import { type ChildProcess, spawn } from 'node:child_process';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.js';

/** The compiled entry point, found relative to this helper in dist/. */
export const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

/** A service started as its own OS process, as a user would run it. */
export interface ServiceProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` for roles that listen. */
  url: string;
  /** Everything the process wrote, stdout and stderr interleaved. */
  output: () => string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | NodeJS.Signals>;
  kill: (signal?: NodeJS.Signals) => Promise<number | NodeJS.Signals>;
}

/**
 * Spawns `node dist/src/main.js <role>` with `env` on top of a minimal environment and waits until
 * it logs that it listens (API roles) or that its worker started. Killed with SIGKILL when the
 * test ends if still running.
 */
export async function spawnService(
  t: TestContext,
  role: 'all' | 'api' | 'worker',
  env: Record<string, string>,
  { readyTimeoutMs = 20_000 }: { readyTimeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [MAIN, role], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? code ?? 0));
  });
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  t.after(async () => {
    if (!gone) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (!gone) child.kill(signal);
    return exited;
  };
  const readyLine = role === 'worker' ? '"msg":"worker started"' : '"msg":"listening"';
  await waitFor(
    () => {
      if (gone) throw new Error(`service exited early:\n${out}`);
      return out.includes(readyLine);
    },
    { timeoutMs: readyTimeoutMs, message: `the ${role} process to start` },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n--- output ---\n${out}`);
  });
  const match = /"address":"(http:\/\/[^"]+)"/.exec(out);
  return { child, url: match?.[1] ?? '', output: () => out, exited, kill };
}
