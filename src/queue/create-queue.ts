import type { QueueConfig } from '../config.js';
import type { JobQueue } from './job-queue.js';

/** The queue adapter the configuration names: BullMQ when `REDIS_URL` is set, else in-process. */
export async function createQueue(config: QueueConfig): Promise<JobQueue> {
  switch (config.kind) {
    case 'in-process': {
      const { InProcessQueue } = await import('./in-process/in-process-queue.js');
      return new InProcessQueue();
    }
    case 'bullmq':
      throw new Error('The BullMQ queue is not available in this build');
  }
}
