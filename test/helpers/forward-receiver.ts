import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { gate } from './gate.js';

/** One request the receiver got. */
export interface Delivery {
  webhookId: string;
  /** `webhook-timestamp` as sent. */
  timestamp: string;
  /** When the request arrived (ms since the epoch). */
  receivedAt: number;
  /** The raw body as received. */
  raw: string;
  /** The parsed body (null when it is not JSON). */
  body: Record<string, unknown> | null;
  /** `transaction_id` from the body. */
  transactionId: string;
  /** Whether `standardwebhooks` verified it with the receiver's secret (unverified ones are answered 401). */
  verified: boolean;
  headers: IncomingHttpHeaders;
  /** 1 for the first request with this `webhook-id`, 2 for the second, ... */
  attempt: number;
  /** The status the receiver answered with, once its answer was sent in full. */
  answered?: number;
}

/** How to answer one delivery. */
export interface Reply {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Hold the answer this long first (the receiver being slow). */
  delayMs?: number;
}

/** Decides each answer; the default answers 200 at once. */
export type Responder = (delivery: Delivery) => Reply | Promise<Reply>;

/** A real HTTP receiver of forwarded deliveries, in the test process. */
export interface ForwardReceiver {
  /** `http://127.0.0.1:<port>/hooks`. */
  readonly url: string;
  readonly port: number;
  /** Every request, in arrival order. */
  readonly deliveries: Delivery[];
  /** Requests being answered now, and the most there ever were at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** TCP connections opened to it so far. */
  readonly connections: number;
  respond: Responder;
  /** The deliveries of one transaction, in order. */
  of(transactionId: string): Delivery[];
  /** Stops listening and drops every connection: the receiver is down. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

const single = (value: string | string[] | undefined) => (typeof value === 'string' ? value : '');

/**
 * Starts a receiver on 127.0.0.1 (a free port unless `port` is given) that verifies every request
 * with the Standard Webhooks reference library (`verify: false` skips that, for the bench), records
 * it and answers as `respond` says. Closed when the test ends if `t` is given.
 */
export async function startForwardReceiver(
  secret: string,
  options: { t?: TestContext; respond?: Responder; verify?: boolean; port?: number } = {},
): Promise<ForwardReceiver> {
  const verifier = options.verify === false ? undefined : new Webhook(secret);
  const deliveries: Delivery[] = [];
  const attempts = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  let connections = 0;
  let respond: Responder = options.respond ?? (() => ({ status: 200 }));

  const server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let counted = true;
    const done = () => {
      if (counted) inFlight--;
      counted = false;
    };
    res.once('close', done);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const webhookId = single(req.headers['webhook-id']);
      let verified = verifier === undefined;
      if (verifier) {
        try {
          verifier.verify(raw, {
            'webhook-id': webhookId,
            'webhook-timestamp': single(req.headers['webhook-timestamp']),
            'webhook-signature': single(req.headers['webhook-signature']),
          });
          verified = true;
        } catch {
          verified = false;
        }
      }
      let body: Record<string, unknown> | null = null;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        body = null;
      }
      const attempt = (attempts.get(webhookId) ?? 0) + 1;
      attempts.set(webhookId, attempt);
      const delivery: Delivery = {
        webhookId,
        timestamp: single(req.headers['webhook-timestamp']),
        receivedAt: Date.now(),
        raw,
        body,
        transactionId: typeof body?.transaction_id === 'string' ? body.transaction_id : '',
        verified,
        headers: req.headers,
        attempt,
      };
      deliveries.push(delivery);
      const reply: Reply = verified ? await respond(delivery) : { status: 401, body: 'bad signature' };
      const send = () => {
        if (res.destroyed) return;
        res.once('finish', () => {
          delivery.answered = reply.status ?? 200;
        });
        res.writeHead(reply.status ?? 200, { 'content-type': 'text/plain', ...reply.headers });
        res.end(reply.body ?? '');
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  server.on('connection', () => {
    connections++;
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(options.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  const down = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  const receiver: ForwardReceiver = {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    deliveries,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get connections() {
      return connections;
    },
    get respond() {
      return respond;
    },
    set respond(next: Responder) {
      respond = next;
    },
    of: (transactionId) => deliveries.filter((d) => d.transactionId === transactionId),
    down,
    up: () => listen(port),
    close: async () => {
      if (server.listening) await down();
    },
  };
  options.t?.after(() => receiver.close());
  return receiver;
}

/**
 * A receiver that holds every request unanswered until `release()`, then answers 200 (released
 * when the test ends at the latest).
 */
export async function startHoldingReceiver(
  secret: string,
  t: TestContext,
): Promise<ForwardReceiver & { release(): void }> {
  const held = gate();
  t.after(() => held.open());
  const receiver = await startForwardReceiver(secret, {
    t,
    respond: async () => {
      await held.opened;
      return { status: 200 };
    },
  });
  return Object.assign(receiver, { release: held.open });
}

/** A fresh `whsec_` secret with a 32-byte key. */
export function forwardSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
