/**
 * Delay before retry number `attempt` (1 after the first failure): exponential from `baseMs`,
 * capped at `maxMs`, with "equal jitter" (uniform between half and all of it) so that transactions
 * failing together do not retry in lockstep against a struggling downstream.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
