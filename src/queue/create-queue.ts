import type { QueueConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { JobQueue } from './job-queue.js';

/** Optional collaborators of {@link createQueue}. */
export interface CreateQueueOptions {
  /**
   * Receives the queue's background errors (Redis connection loss, reconnection failures), rate
   * limited by the adapter. Without it they become process warnings on stderr.
   */
  log?: Logger;
}

/**
 * The queue adapter the configuration names: BullMQ when `REDIS_URL` is set, else in-process.
 * Adapters are imported on demand, so a process without Redis never loads BullMQ. The caller owns
 * the result: `ready()` before use, `close()` at the end.
 */
export async function createQueue(config: QueueConfig, options: CreateQueueOptions = {}): Promise<JobQueue> {
  switch (config.kind) {
    case 'in-process': {
      const { InProcessQueue } = await import('./in-process/in-process-queue.js');
      return new InProcessQueue({ maxWaiting: config.maxWaiting, log: options.log });
    }
    case 'bullmq': {
      const { BullMqQueue } = await import('./bullmq/bullmq-queue.js');
      const { log } = options;
      return new BullMqQueue({
        url: config.url,
        name: config.name,
        prefix: config.prefix,
        onError: log
          ? (err, source) => log.warn({ err, source, queue: config.name }, 'redis queue error')
          : undefined,
      });
    }
  }
}
