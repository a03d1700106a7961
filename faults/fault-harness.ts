import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getTransaction } from '../test/helpers/http-client.js';
import { webhookBody } from '../test/helpers/sample-transaction.js';
import { type ServiceProcess, spawnService } from '../test/helpers/service-process.js';

/** The compiled ledger handler, for HANDLER_MODULE. */
export const LEDGER_HANDLER = fileURLToPath(new URL('./ledger-handler.js', import.meta.url));

/**
 * Retention as the fault scenarios run with it: finished transactions deleted 10 s after they
 * finish, their payloads erased after 3 s, every second. Long enough that every copy a sender
 * repeats (at once, or once the service is back) arrives while its transaction is still stored,
 * so a repeat is never stored and processed again; short enough that every transaction of a
 * scenario is deleted before it ends.
 */
export const RETENTION_ENV = {
  RETENTION_DAYS: String(10 / 86_400),
  PAYLOAD_RETENTION_DAYS: String(3 / 86_400),
  RETENTION_INTERVAL_SECONDS: '1',
} as const;

/** What a fault scenario reports. */
export interface FaultReport {
  scenario: string;
  /** Webhooks that got a 202. */
  acknowledged: number;
  /** Acknowledged webhooks PROCESSED at the end. */
  processed: number;
  /** Acknowledged webhooks not PROCESSED by the deadline. */
  lost: number;
  /** Transactions whose handler completed more than once (from the ledger). */
  completedTwice: number;
  /** Handler completions recorded in the ledger. */
  handlerCompletions: number;
  /** Acknowledged webhooks no longer stored at the end: finished, then deleted by retention. */
  deletedByRetention: number;
  /** Seconds from the last fault until every acknowledged webhook was PROCESSED. */
  recoverySeconds: number;
}

/** Prints a report as a Markdown-ish table row block, for CI logs. */
export function printReport(report: FaultReport): void {
  const rows = Object.entries(report).map(
    ([k, v]) => `| ${k} | ${typeof v === 'number' ? Number(v.toFixed(2)) : v} |`,
  );
  process.stdout.write(`\n| fault report | |\n|---|---|\n${rows.join('\n')}\n\n`);
}

/** Counts per transaction id in the ledger file (missing file: none). */
export function ledgerCounts(path: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(path)) return counts;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line) counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return counts;
}

/**
 * A provider-like sender: posts `count` fresh webhooks at a steady pace to whichever base URL
 * `target()` names at the moment, retrying each until it is acknowledged (as providers retry any
 * non-2xx or connection failure), and sometimes sending a second copy of an acknowledged one.
 * `onSent(n)` runs after the n-th webhook was acknowledged, to trigger faults mid-stream.
 * Bounded: each webhook is retried for at most `retryForMs`.
 */
export async function sendStream(options: {
  count: number;
  perSecond: number;
  target: () => string;
  onSent?: (n: number) => Promise<void> | void;
  retryForMs?: number;
  duplicateEvery?: number;
}): Promise<{ acknowledged: Set<string>; attempts: number; refused: number }> {
  const { count, perSecond, target, onSent, retryForMs = 60_000, duplicateEvery = 5 } = options;
  const acknowledged = new Set<string>();
  let attempts = 0;
  let refused = 0;
  let sent = 0;
  const post = async (body: Record<string, unknown>): Promise<boolean> => {
    const deadline = Date.now() + retryForMs;
    while (Date.now() < deadline) {
      attempts++;
      try {
        const res = await fetch(`${target()}/v1/webhooks/transactions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(5_000),
        });
        await res.arrayBuffer();
        if (res.status === 202) return true;
      } catch {
        // Connection refused or reset: the API is down; retry like a provider.
      }
      refused++;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return false;
  };
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const body = webhookBody();
    inFlight.push(
      (async () => {
        if (await post(body)) {
          acknowledged.add(body.transaction_id as string);
          sent++;
          if (sent % duplicateEvery === 0) await post(body);
          await onSent?.(sent);
        }
      })(),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000 / perSecond));
  }
  await Promise.all(inFlight);
  return { acknowledged, attempts, refused };
}

/**
 * Starts the `all` service with `env` and streams `count` webhooks at `perSecond` to it (see
 * {@link sendStream}); once the `killAt`-th is acknowledged, runs `beforeKill`, SIGKILLs the
 * service and starts it again on a new port, where the stream goes on. Resolves with the
 * acknowledged ids and when the kill happened.
 */
export async function streamThroughACrash(
  t: TestContext,
  env: Record<string, string>,
  options: { count: number; perSecond: number; killAt: number; beforeKill?: () => void },
): Promise<{ acknowledged: Set<string>; killedAt: number }> {
  // The start is recognised by an info line.
  const start = () => spawnService(t, 'all', { ...env, LOG_LEVEL: 'info' });
  let service: ServiceProcess = await start();
  let url = service.url;
  let killedAt = Date.now();
  const stream = await sendStream({
    count: options.count,
    perSecond: options.perSecond,
    target: () => url,
    onSent: async (n) => {
      if (n !== options.killAt) return;
      options.beforeKill?.();
      await service.kill('SIGKILL');
      killedAt = Date.now();
      service = await start();
      url = service.url;
    },
  });
  return { acknowledged: stream.acknowledged, killedAt };
}

/**
 * A transaction's status through the API at `base()`: undefined when it answers 404 (the
 * transaction is not stored), and a rejection when it cannot tell (down, or a 5xx while its store
 * restarts), so the caller never takes an unreachable store for a deleted transaction.
 */
export function statusThroughApi(base: () => string): (transactionId: string) => Promise<string | undefined> {
  return async (transactionId) => {
    const res = await getTransaction(base(), transactionId);
    if (res.status === 404) return undefined;
    const status = (res.body as { status?: string } | null)?.status;
    if (res.status !== 200 || status === undefined) throw new Error(`HTTP ${res.status}`);
    return status;
  };
}

/** Runs a command, returning its output; throws with the output on failure. */
export function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
