/**
 * How one forwarding attempt ended, as counted in `webhooks_forward_attempts_total{outcome}`:
 * `2xx` (delivered), `retryable` (408, 425, 429, 3xx, 5xx), `permanent` (any other 4xx), `timeout`
 * (no answer within `FORWARD_TIMEOUT_SECONDS`) and `network` (the connection failed or broke).
 */
export type ForwardOutcome = '2xx' | 'retryable' | 'permanent' | 'timeout' | 'network';

/** Every {@link ForwardOutcome}, in the order metrics export them. */
export const FORWARD_OUTCOMES: readonly ForwardOutcome[] = [
  '2xx',
  'retryable',
  'permanent',
  'timeout',
  'network',
];

/** Client errors that say "not now" rather than "never": Request Timeout, Too Early, Too Many Requests. */
const RETRYABLE_CLIENT_ERRORS = new Set([408, 425, 429]);

/**
 * What the receiver's status means. Any 2xx is a delivery. A 4xx other than 408, 425 and 429
 * (410 Gone included) says the request itself is refused, so retrying cannot help. Everything else
 * is retried: 5xx, and also 3xx, because redirects are not followed and a load balancer's
 * maintenance redirect is as passing as a 503; a redirect that stays ends FAILED after
 * `MAX_ATTEMPTS`.
 */
export function outcomeOfStatus(status: number): '2xx' | 'retryable' | 'permanent' {
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 400 && status < 500 && !RETRYABLE_CLIENT_ERRORS.has(status)) return 'permanent';
  return 'retryable';
}

const DELTA_SECONDS = /^\s*(\d+)\s*$/;

/**
 * The wait a `Retry-After` header asks for, in milliseconds from `nowMs`, in either of its forms:
 * delta-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2026 07:28:00 GMT`; a date already past asks
 * for no wait). Undefined when absent or unreadable. Not capped here: the worker caps every wait at
 * `RETRY_MAX_SECONDS`.
 */
export function retryAfterMs(header: string | string[] | undefined, nowMs: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const delta = DELTA_SECONDS.exec(value);
  if (delta) return Number(delta[1]) * 1000;
  // Date.parse also reads bare numbers and other shapes as dates; an HTTP-date always names a day
  // or month in letters, and a signed or fractional number is neither form.
  if (!/[A-Za-z]/.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}
