import type { RedisOptions } from 'bullmq';

/**
 * Reconnect delay after the `times`-th failed attempt: 100 ms, 200 ms, ... up to 2 s, forever.
 * BullMQ's default climbs to 20 s between attempts, which would keep a worker idle for up to 20 s
 * after a Redis restart; the store and the recovery sweep cover the outage itself, so what matters
 * here is resuming quickly once Redis is back. Never giving up (never returning a non-number) is
 * what lets a process outlive any outage without a restart.
 */
export const reconnectDelayMs = (times: number): number => Math.min(times * 100, 2000);

/**
 * Options for the producer connection (enqueue, depth, ping), opened by BullMQ's `Queue`.
 *
 * `enableOfflineQueue: false` makes every call fail at once while Redis is unreachable instead of
 * waiting for a reconnection: the ingest path awaits `enqueue` before it answers a webhook, and its
 * caller treats a rejected enqueue as "the recovery sweep will dispatch it". `commandTimeout` does
 * the same for a Redis that accepts connections but does not answer.
 */
export function producerConnection(url: string, commandTimeoutMs: number): RedisOptions {
  return {
    url,
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    retryStrategy: reconnectDelayMs,
  };
}

/**
 * Options for the consumer connections, opened by BullMQ's `Worker` (one for commands, one it
 * duplicates for its blocking BZPOPMIN). `maxRetriesPerRequest: null` with the offline queue on is
 * what BullMQ requires of a worker: its commands wait through a reconnection instead of failing,
 * so the fetch loop simply resumes when Redis is back.
 */
export function consumerConnection(url: string): RedisOptions {
  return {
    url,
    maxRetriesPerRequest: null,
    retryStrategy: reconnectDelayMs,
  };
}
