import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Client } from 'pg';

/**
 * Faults on the machine's own PostgreSQL and Redis, for the fault suite only: it restarts the real
 * servers, so it runs alone (never beside other tests) and only against services on this host.
 */
export const serviceControl = {
  /** Restarts the local PostgreSQL cluster (Debian's pg_ctlcluster) and waits until it accepts connections. */
  async restartPostgres(url: string): Promise<void> {
    const version = readdirSync('/etc/postgresql').sort().at(-1);
    if (!version) throw new Error('no PostgreSQL cluster under /etc/postgresql');
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], {
      stdio: 'ignore',
    });
    await waitUntil(async () => {
      const client = new Client({ connectionString: url });
      await client.connect();
      await client.end();
    });
  },

  /** Deletes every key under `prefix` (the queue's jobs, ids and events): Redis lost the queue. */
  async wipeQueue(url: string, prefix: string): Promise<number> {
    // No reconnecting and no offline queue: a command either runs now or fails now, so nothing is
    // left pending (to reject later, unobserved) on a client that the suite has closed.
    const redis = new Redis(url, { lazyConnect: true, retryStrategy: () => null, enableOfflineQueue: false });
    redis.on('error', () => undefined);
    await redis.connect();
    let deleted = 0;
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) deleted += await redis.del(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
    return deleted;
  },

  /**
   * Stops the local Redis without saving and starts it again with the same port and directory,
   * as a restart of a Redis without persistence: every key is gone. Through redis-cli rather than a
   * client of this process: a client whose server shuts down under it reconnects and fails its
   * pending commands on its own schedule, and one such late rejection once failed the suite.
   */
  async restartRedis(url: string): Promise<void> {
    const { hostname, port } = new URL(url);
    const cli = (...args: string[]) =>
      execFileSync('redis-cli', ['-h', hostname || '127.0.0.1', '-p', port || '6379', ...args], {
        stdio: 'pipe',
        encoding: 'utf8',
      });
    // `CONFIG GET dir` answers two lines: the name, then the value.
    const dir = cli('config', 'get', 'dir').split('\n')[1]?.trim() || '/tmp';
    try {
      cli('shutdown', 'nosave');
    } catch {
      // redis-cli may report the connection the server closed as it went down.
    }
    await waitUntil(async () => {
      try {
        cli('ping');
      } catch {
        return;
      }
      throw new Error('still up');
    });
    execFileSync(
      'redis-server',
      [
        '--daemonize',
        'yes',
        '--bind',
        '127.0.0.1',
        '--port',
        port || '6379',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    );
    await waitUntil(async () => {
      cli('ping');
    });
  },
};

async function waitUntil(attempt: () => Promise<void>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await attempt();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}
