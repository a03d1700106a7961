/**
 * Delay before retry number `attempt` (1 after the first failure): exponential from `baseMs`,
 * capped at `maxMs`, with "equal jitter" (uniform between half and all of it) so that transactions
 * failing together do not retry in lockstep against a struggling downstream.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/**
 * The delay before a retry the downstream asked to postpone (`Retry-After`): the backoff, or the
 * downstream's wait when it is longer, but never more than `maxMs`, so a receiver cannot park a
 * transaction for longer than the backoff ever would.
 */
export function retryDelayAfterMs(
  backoffMs: number,
  retryAfterMs: number | undefined,
  maxMs: number,
): number {
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs)) return backoffMs;
  return Math.max(backoffMs, Math.min(Math.ceil(retryAfterMs), maxMs));
}
