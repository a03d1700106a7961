import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

/**
 * Local stand-ins of the two list APIs reconciliation reads, as real HTTP servers on 127.0.0.1:
 * Stripe's `GET /v1/events` and Razorpay's `GET /v1/payments`, each following its documented
 * semantics (authentication, filters, page size, cursors, order, answer shapes and error bodies),
 * so the service's clients are tested against the protocol rather than against themselves. The
 * official SDKs list through them too (test/reconcile/provider-api-stand-ins.test.ts).
 */

type Json = Record<string, unknown>;

/** One request a stand-in received. */
export interface StandInRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
}

/** An answer that replaces the normal one. */
export interface StandInReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * Decides, before the normal answer, whether to answer otherwise (fail with a 500, hold, add
 * events). Returning nothing gives the normal answer.
 */
export type Intercept = (
  request: StandInRequest,
  index: number,
) => StandInReply | undefined | Promise<StandInReply | undefined>;

/** What both stand-ins share. */
export interface StandIn {
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: StandInRequest[];
  intercept: Intercept | undefined;
  close(): Promise<void>;
}

async function listen(
  t: TestContext | undefined,
  answer: (request: StandInRequest) => StandInReply,
): Promise<StandIn> {
  const requests: StandInRequest[] = [];
  const standIn: StandIn = {
    url: '',
    requests,
    intercept: undefined,
    close: async () => undefined,
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const request: StandInRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
    };
    const index = requests.push(request) - 1;
    req.resume();
    req.once('end', async () => {
      let reply: StandInReply | undefined;
      try {
        reply = (await standIn.intercept?.(request, index)) ?? answer(request);
      } catch (error) {
        reply = { status: 500, body: { error: { message: String(error) } } };
      }
      if (res.destroyed) return;
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  t?.after(close);
  return Object.assign(standIn, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      if (server.listening) await close();
    },
  });
}

/** A whole number from a query parameter, or undefined when absent; NaN when not a whole number. */
function integerParam(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  return /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
}

/** Stripe's stand-in: the events it holds, and a way to add more at any time (also mid-run). */
export interface StripeStandIn extends StandIn {
  /** Adds events (objects of Stripe's Event shape, each with a unique `id` and a `created`). */
  add(...events: Json[]): void;
  /** How many events it holds. */
  readonly size: number;
}

const stripeError = (status: number, message: string, param?: string): StandInReply => ({
  status,
  body: { error: { message, type: 'invalid_request_error', ...(param ? { param } : {}) } },
});

/**
 * Stripe's events list as Stripe documents it: `Authorization: Bearer <key>` (else 401 with
 * Stripe's error body; this stand-in repeats the offered key in full where Stripe masks most of it,
 * so a client that echoes error text is caught); `created[gte|gt|lte|lt]` in unix seconds; `limit`
 * 1 to 100, default 10 (else 400); `starting_after` an event id (unknown: 400), listing the events
 * that follow it; newest first (ties: the later added first); `{"object":"list","data":[…],
 * "has_more":…,"url":"/v1/events"}`.
 */
export async function startStripeStandIn(
  t: TestContext | undefined,
  apiKey: string,
  events: readonly Json[] = [],
): Promise<StripeStandIn> {
  // Newest first: created descending, then the later added first. Kept sorted as events are added.
  const held: { event: Json; seq: number }[] = [];
  let seq = 0;
  const order = (a: { event: Json; seq: number }, b: { event: Json; seq: number }) =>
    (b.event.created as number) - (a.event.created as number) || b.seq - a.seq;
  const add = (...more: Json[]) => {
    for (const event of more) held.push({ event, seq: seq++ });
    held.sort(order);
  };
  add(...events);
  const standIn = await listen(t, (request) => {
    if (request.method !== 'GET' || request.path !== '/v1/events') {
      return stripeError(404, `Unrecognized request URL (${request.method}: ${request.path}).`);
    }
    if (request.authorization !== `Bearer ${apiKey}`) {
      const offered = request.authorization?.replace(/^Bearer /, '') ?? '';
      return stripeError(401, `Invalid API Key provided: ${offered}`);
    }
    const q = request.query;
    const limit = integerParam(q, 'limit') ?? 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      return stripeError(400, 'Invalid integer: limit must be between 1 and 100', 'limit');
    }
    const bounds = (['gte', 'gt', 'lte', 'lt'] as const).map(
      (op) => [op, integerParam(q, `created[${op}]`)] as const,
    );
    if (bounds.some(([, v]) => v !== undefined && !Number.isInteger(v))) {
      return stripeError(400, 'Invalid timestamp', 'created');
    }
    const matches = (event: Json) => {
      const created = event.created as number;
      return bounds.every(([op, v]) =>
        v === undefined
          ? true
          : op === 'gte'
            ? created >= v
            : op === 'gt'
              ? created > v
              : op === 'lte'
                ? created <= v
                : created < v,
      );
    };
    let start = 0;
    const after = q.get('starting_after');
    if (after !== null) {
      const at = held.findIndex((h) => h.event.id === after);
      if (at < 0) return stripeError(400, `No such event: '${after}'`, 'starting_after');
      start = at + 1;
    }
    const following = held.slice(start).filter((h) => matches(h.event));
    return {
      status: 200,
      body: {
        object: 'list',
        data: following.slice(0, limit).map((h) => h.event),
        has_more: following.length > limit,
        url: '/v1/events',
      },
    };
  });
  return Object.assign(standIn, {
    add,
    get size() {
      return held.length;
    },
  });
}

/** Razorpay's stand-in: the payments it holds. */
export interface RazorpayStandIn extends StandIn {
  add(...payments: Json[]): void;
}

const razorpayError = (status: number, description: string, field?: string): StandInReply => ({
  status,
  body: {
    error: {
      code: 'BAD_REQUEST_ERROR',
      description,
      source: 'business',
      step: 'payment_initiation',
      reason: 'input_validation_failed',
      metadata: {},
      ...(field ? { field } : {}),
    },
  },
});

/**
 * Razorpay's payments list as Razorpay documents it: Basic authentication with the key id and
 * secret (else 401 `BAD_REQUEST_ERROR` "Authentication failed"); `from` and `to` in unix seconds,
 * bounding `created_at` (both inclusive); `count` 1 to 100, default 10 (else 400); `skip`, default
 * 0; newest first (ties: the later added first); `{"entity":"collection","count":n,"items":[…]}`.
 */
export async function startRazorpayStandIn(
  t: TestContext | undefined,
  keyId: string,
  keySecret: string,
  payments: readonly Json[] = [],
): Promise<RazorpayStandIn> {
  const held: { payment: Json; seq: number }[] = [];
  let seq = 0;
  const add = (...more: Json[]) => {
    for (const payment of more) held.push({ payment, seq: seq++ });
    held.sort((a, b) => (b.payment.created_at as number) - (a.payment.created_at as number) || b.seq - a.seq);
  };
  add(...payments);
  const expected = `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString('base64')}`;
  const standIn = await listen(t, (request) => {
    if (request.method !== 'GET' || request.path !== '/v1/payments') {
      return razorpayError(400, 'The requested URL was not found on the server.');
    }
    if (request.authorization !== expected) return razorpayError(401, 'Authentication failed');
    const q = request.query;
    const count = integerParam(q, 'count') ?? 10;
    const skip = integerParam(q, 'skip') ?? 0;
    const from = integerParam(q, 'from');
    const to = integerParam(q, 'to');
    if (!Number.isInteger(count) || count < 1 || count > 100) {
      return razorpayError(400, 'The count may not be greater than 100.', 'count');
    }
    if (!Number.isInteger(skip) || skip < 0)
      return razorpayError(400, 'The skip must be an integer.', 'skip');
    if ((from !== undefined && !Number.isInteger(from)) || (to !== undefined && !Number.isInteger(to))) {
      return razorpayError(400, 'The from must be an integer.', 'from');
    }
    const matching = held
      .map((h) => h.payment)
      .filter(
        (p) =>
          (from === undefined || (p.created_at as number) >= from) &&
          (to === undefined || (p.created_at as number) <= to),
      );
    const items = matching.slice(skip, skip + count);
    return { status: 200, body: { entity: 'collection', count: items.length, items } };
  });
  return Object.assign(standIn, { add });
}
