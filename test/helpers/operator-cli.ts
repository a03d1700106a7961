import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MAIN } from './service-process.js';

const run = promisify(execFile);

/** What one command line run printed, and how it exited. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `main.js cli <args…>` as an operator would, with only PATH and `env` in its environment
 * (the configuration it reads, such as `SQLITE_PATH`).
 */
export async function runCli(env: Record<string, string>, args: readonly string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, 'cli', ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as CliResult;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The JSON lines a command printed, parsed. */
export function jsonLines<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as T);
}
