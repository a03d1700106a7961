import { loadCommandConfig } from './command-config.js';
import { createQueue } from './queue/create-queue.js';
import { createStore } from './store/create-store.js';
import { requeueTransaction } from './transactions/requeue-transaction.js';
import { toTransactionView } from './transactions/transaction-view.js';

/**
 * `requeue <transaction_id>`: puts a FAILED transaction back to RECEIVED against the configured
 * store and queue, prints the result as JSON and returns the exit code (0 requeued, 1 otherwise).
 * With the in-process queue the running worker's recovery sweep picks it up.
 */
export async function runRequeueCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [transactionId] = args;
  if (!transactionId || args.length !== 1) {
    console.error('Usage: requeue <transaction_id>');
    return 2;
  }
  const config = loadCommandConfig(env);
  if (!config) return 1;
  const store = await createStore(config.store);
  const queue = await createQueue(config.queue);
  try {
    await store.ready();
    await queue.ready();
    const result = await requeueTransaction(store, queue, transactionId);
    if (result.outcome === 'not-found') {
      console.error(JSON.stringify({ detail: 'Transaction not found' }));
      return 1;
    }
    console.log(JSON.stringify({ outcome: result.outcome, transaction: toTransactionView(result.record) }));
    return result.outcome === 'requeued' ? 0 : 1;
  } finally {
    await queue.close();
    await store.close();
  }
}
