/** What a worker reports as it goes; metrics and tests subscribe through {@link WorkerEventListener}. */
export type WorkerEvent =
  | { type: 'claimed'; transactionId: string; attempt: number; reclaimed: boolean }
  | { type: 'completed'; transactionId: string; attempt: number; durationMs: number }
  | { type: 'retry-scheduled'; transactionId: string; attempt: number; delayMs: number; error: string }
  | { type: 'failed'; transactionId: string; attempt: number; error: string }
  | { type: 'lease-lost'; transactionId: string }
  | { type: 'released'; transactionId: string }
  | { type: 'swept'; redispatched: number; expiredOwners: number };

/** Receives worker events. Must not throw and must return quickly. */
export type WorkerEventListener = (event: WorkerEvent) => void;
