import { createHmac } from 'node:crypto';
import { type Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';

/** An answer as the wire carried it. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/** A request whose bytes the test controls: no JSON encoding, no default content type. */
export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string | string[]>;
  body?: Buffer | string;
  agent?: Agent;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * Sends one request with `node:http` to `base` (`http://127.0.0.1:<port>`) and reads the whole
 * answer. Unlike `fetch`, the body is sent as the exact bytes given (invalid UTF-8 included) and
 * header values are not normalised.
 */
export function send(base: string, { method = 'GET', path, headers = {}, body, agent }: RawRequest) {
  const url = new URL(base);
  return new Promise<RawResponse>((resolve, reject) => {
    const bytes = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        agent,
        headers: bytes ? { 'content-length': String(bytes.length), ...headers } : headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseJson(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(bytes);
  });
}

/**
 * Writes `data` on a fresh TCP connection and returns everything the server wrote back before
 * closing: for requests no HTTP client would send (oversized request lines, malformed framing).
 */
export function sendBytes(base: string, data: string | Buffer): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: url.hostname, port: Number(url.port) }, () => socket.write(data));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const split = raw.indexOf('\r\n\r\n');
      const head = split < 0 ? raw : raw.slice(0, split);
      const text = split < 0 ? '' : raw.slice(split + 4);
      const headers: IncomingHttpHeaders = {};
      for (const line of head.split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, headers, text, json: parseJson(text) });
    });
  });
}

/** The webhook path. */
export const WEBHOOK_PATH = '/v1/webhooks/transactions';

/** Razorpay's `X-Razorpay-Signature` of `body`, computed here from the published rule, not by the code under test. */
export const razorpaySignature = (secret: string, body: Buffer | string) =>
  createHmac('sha256', secret).update(body).digest('hex');

/**
 * Standard Webhooks headers for `body` signed with a `whsec_<base64>` secret, computed here from
 * the spec: `v1,` + base64 HMAC-SHA256 of `"<id>.<timestamp>.<body>"` keyed with the decoded base64.
 */
export function standardWebhooksHeaders(
  secret: string,
  id: string,
  body: Buffer | string,
  timestampSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(`${id}.${timestampSeconds}.`), Buffer.from(body)]))
    .digest('base64');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${signature}`,
  };
}

/** Every transaction the store holds, whatever its status. */
export async function storedCount(store: {
  countByStatus(): Promise<Record<string, number>>;
}): Promise<number> {
  const counts = await store.countByStatus();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** Signs of a leaked internal: a stack frame, a module path, an engine's error text. */
export const LEAK =
  /\bat [\w.<>]+ \(|node_modules|\.js:\d+|\/work\/|SQLITE_|TypeError|RangeError|SyntaxError/;
