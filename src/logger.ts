import { type DestinationStream, type Logger, pino } from 'pino';
import { PROVIDER_REGISTRY, providerSecretHeaders } from './providers/provider-registry.js';

export type { Logger } from 'pino';

/** Headers that carry keys or signatures: the service's own, and every registered provider's. */
const SECRET_HEADERS = [
  ...new Set([
    'authorization',
    'cookie',
    'x-api-key',
    'webhook-signature',
    ...providerSecretHeaders(PROVIDER_REGISTRY),
  ]),
].map((h) => (/^[a-z]+$/.test(h) ? h : `["${h}"]`));

/**
 * Header and field paths that carry secrets. They are censored wherever a log line includes them,
 * so a request or error logged at debug level cannot leak a key or a signature: headers logged as
 * `req.headers`, `request.headers` or bare `headers`, and configuration values by name.
 */
export const REDACTED_PATHS = [
  ...['req.headers', 'request.headers', 'headers'].flatMap((prefix) =>
    SECRET_HEADERS.map((h) => (h.startsWith('[') ? `${prefix}${h}` : `${prefix}.${h}`)),
  ),
  'secret',
  'secrets',
  'apiKey',
  'apiKeys',
  'webhookSecrets',
  'config.apiKeys',
  'config.webhookSecrets',
  // Every provider keeps its secret values under `secrets` (see ProviderSettings).
  'config.providers.*.secrets',
  'config.forward.secret',
  'config.forward.url',
  'forward.secret',
  'forward.url',
  'keyId',
  'keySecret',
  'config.reconcile.stripe.apiKey',
  'config.reconcile.razorpay.keyId',
  'config.reconcile.razorpay.keySecret',
];

/**
 * Builds the process's JSON logger (pino) at `level`, writing to `destination` (default stdout;
 * tests pass a stream to read what would have been written).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
