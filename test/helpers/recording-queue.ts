import type { TestContext } from 'node:test';
import { InProcessQueue } from '../../src/queue/in-process/in-process-queue.js';

/** A real in-process queue whose consumer only records the ids it was given, in order. */
export function recordingQueue(
  t: TestContext,
  concurrency = 10,
): { queue: InProcessQueue; delivered: string[] } {
  const queue = new InProcessQueue();
  const delivered: string[] = [];
  queue.consume(
    async (id) => {
      delivered.push(id);
    },
    { concurrency },
  );
  t.after(() => queue.close());
  return { queue, delivered };
}
