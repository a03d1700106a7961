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
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
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
   * as a restart of a Redis without persistence: every key is gone.
   */
  async restartRedis(url: string): Promise<void> {
    const { port } = new URL(url);
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const dir = ((await redis.config('GET', 'dir')) as string[])[1] ?? '/tmp';
    await redis.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    redis.disconnect();
    await waitUntil(async () => {
      try {
        execFileSync('redis-cli', ['-p', port || '6379', 'ping'], { stdio: 'pipe' });
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
      execFileSync('redis-cli', ['-p', port || '6379', 'ping'], { stdio: 'pipe' });
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
