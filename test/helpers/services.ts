import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';

/** PostgreSQL for tests: `TEST_DATABASE_URL`, else the machine's server. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
/** Redis for tests: `TEST_REDIS_URL`, else the machine's server. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
/** MongoDB for tests: only when `TEST_MONGO_URL` is set (no server can be installed on the build machines). */
export const TEST_MONGO_URL = process.env.TEST_MONGO_URL || undefined;

const inCi = () => process.env.CI === 'true' || process.env.CI === '1';

// A refused connection fails at once; the timeout only matters for a host that does not answer,
// and is long enough that a machine busy with parallel test files is not mistaken for one.
function reachable(url: string, timeoutMs = 5000): Promise<boolean> {
  const { hostname, port, protocol } = new URL(url);
  const defaults: Record<string, number> = {
    'postgres:': 5432,
    'postgresql:': 5432,
    'redis:': 6379,
    'mongodb:': 27017,
  };
  return new Promise((resolve) => {
    const socket = connect({
      host: hostname.replace(/^\[|\]$/g, ''),
      port: Number(port) || defaults[protocol] || 0,
    });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The skip reason for tests that cannot run, after saying so loudly on stderr; in CI (`CI=true`) it
 * throws instead, so a missing dependency can never pass as a skip, unless `allowedInCi`.
 */
function skipOrFail(service: string, reason: string, allowedInCi = false): string {
  if (!allowedInCi && inCi()) throw new Error(`${reason}, and CI=true forbids skipping`);
  process.stderr.write(`\n!!! SKIPPING ${service} tests: ${reason} !!!\n\n`);
  return reason;
}

/**
 * Whether tests that need `service` at `url` must be skipped: `false` to run them, or the skip
 * reason (see {@link skipOrFail}).
 */
export async function skipUnlessReachable(service: string, url: string | undefined): Promise<string | false> {
  // MongoDB alone may go unconfigured in CI: no server can be installed on the build machines. A
  // configured one that does not answer fails there like any other service.
  if (url === undefined) return skipOrFail(service, `${service}: no URL configured`, service === 'mongo');
  if (await reachable(url)) return false;
  return skipOrFail(service, `${service} unreachable at ${new URL(url).host}`);
}

/** Whether tests that run `command` must be skipped: `false` when it is on PATH, else as above. */
export function skipUnlessInstalled(command: string): string | false {
  if (spawnSync(command, ['--version']).error === undefined) return false;
  return skipOrFail(command, `${command} is not installed`);
}
