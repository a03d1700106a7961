import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import type { ServiceMetrics } from './service-metrics.js';

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  log: Logger;
}

/** A listening metrics server: where it listens, and how to stop it. */
export interface MetricsServer {
  /** `http://host:port`. */
  readonly address: string;
  /** Stops listening and closes its connections. */
  close(): Promise<void>;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Serves `GET /metrics` (and nothing else) for a process without the API: a worker-only process
 * started with `METRICS_PORT`, so its forwarding outcomes, processing failures and lease reclaims
 * reach Prometheus in a split deployment. A bare HTTP server rather than the API's app: it has one
 * route, takes no body, and must not carry the API's routes. Like the API's `/metrics`, it is not
 * behind `API_KEYS` (counts and timings only, no transaction data): restrict it at the network.
 */
export async function startMetricsServer(
  metrics: ServiceMetrics,
  options: MetricsServerOptions,
): Promise<MetricsServer> {
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return json(res, 404, { detail: 'Not Found' });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return json(res, 405, { detail: 'Method Not Allowed' }, { allow: 'GET, HEAD' });
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        options.log.error({ err: error }, 'metrics: could not render');
        json(res, 500, { detail: 'Internal Server Error' });
      },
    );
  };
  const server = createServer({ requestTimeout: 30_000, keepAliveTimeout: 65_000 }, handle);
  // A request body is never read here; a malformed request gets a bare 400 and its socket closed.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  return {
    address: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
