import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Header and field paths that carry secrets. They are censored wherever a log line includes them,
 * so a request or error logged at debug level cannot leak a key or a signature.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-razorpay-signature"]',
  'req.headers["webhook-signature"]',
  'req.headers["stripe-signature"]',
  'headers.authorization',
  'headers["x-razorpay-signature"]',
  'headers["webhook-signature"]',
  'secret',
  'secrets',
  'apiKey',
];

/** Builds the process's JSON logger (pino) at `level`, writing to stdout. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
