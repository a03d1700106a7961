import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { JobQueue } from '../../queue/job-queue.js';
import type { TransactionStore } from '../../store/transaction-store.js';

/** Options of {@link readinessRoutes}. */
export interface ReadinessOptions {
  store: TransactionStore;
  queue: JobQueue;
  /** A ping slower than this counts as unreachable. Default 2000 ms. */
  timeoutMs?: number;
}

type Check = 'ok' | 'unreachable';

async function check(ping: () => Promise<void>, timeoutMs: number): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
    return 'ok';
  } catch {
    return 'unreachable';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /ready`: 200 `{"status":"READY"}` when both the store and the queue answer a ping, else 503
 * `{"status":"NOT_READY","store":...,"queue":...}` naming which one did not (never why: an error
 * message could carry hosts or credentials). `GET /` stays the original liveness check. Not behind
 * API keys: load balancers and orchestrators probe it without credentials, and it reveals nothing.
 */
export function readinessRoutes(options: ReadinessOptions): (app: FastifyInstance) => Promise<void> {
  const timeoutMs = options.timeoutMs ?? 2000;
  return async (app) => {
    app.get(
      '/ready',
      {
        schema: {
          summary: 'Readiness: the store and the queue are reachable',
          tags: ['health'],
          response: {
            200: Type.Object({ status: Type.Literal('READY') }),
            503: Type.Object({
              status: Type.Literal('NOT_READY'),
              store: Type.Union([Type.Literal('ok'), Type.Literal('unreachable')]),
              queue: Type.Union([Type.Literal('ok'), Type.Literal('unreachable')]),
            }),
          },
        },
      },
      async (request, reply) => {
        const [store, queue] = await Promise.all([
          check(() => options.store.ping(), timeoutMs),
          check(() => options.queue.ping(), timeoutMs),
        ]);
        if (store === 'ok' && queue === 'ok') return reply.code(200).send({ status: 'READY' });
        request.log.warn({ store, queue }, 'not ready');
        return reply.code(503).send({ status: 'NOT_READY', store, queue });
      },
    );
  };
}
