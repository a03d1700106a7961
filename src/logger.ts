import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

const SECRET_HEADERS = [
  'authorization',
  'cookie',
  '["x-api-key"]',
  '["x-razorpay-signature"]',
  '["webhook-signature"]',
  '["stripe-signature"]',
];

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
  'config.providers.razorpay.secrets',
  'config.providers.stripe.secrets',
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
