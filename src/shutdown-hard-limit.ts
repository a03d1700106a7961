/**
 * How long after `SHUTDOWN_TIMEOUT_SECONDS` a stopping process exits even though something (a
 * connection, a driver) refused to close. The graceful stop itself fits inside the timeout: handlers
 * get until a second before it, then their leases are released and the queue and store closed.
 */
export const SHUTDOWN_HARD_LIMIT_MARGIN_MS = 2000;

/**
 * The latest moment, in milliseconds after SIGTERM, at which the process is gone, whatever happens.
 * A container runtime's grace period (`docker stop`'s 10 s, Kubernetes' 30 s) must be longer, or its
 * SIGKILL lands first: the defaults (`SHUTDOWN_TIMEOUT_SECONDS` 7, so 9 s) fit inside both.
 */
export function shutdownHardLimitMs(shutdownTimeoutMs: number): number {
  return shutdownTimeoutMs + SHUTDOWN_HARD_LIMIT_MARGIN_MS;
}
