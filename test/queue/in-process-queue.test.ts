import { InProcessQueue } from '../../src/queue/in-process/in-process-queue.js';
import { queueContract } from './queue-contract.js';

queueContract('in-process', async (t) => {
  const queue = new InProcessQueue();
  await queue.ready();
  t.after(() => queue.close());
  return queue;
});
