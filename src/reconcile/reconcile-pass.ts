import type { Provider } from '../domain/provider-event.js';
import type { PaymentMismatch } from '../domain/reconciliation.js';

/** What a pass is given for one run. */
export interface PassContext {
  /** When the run started. */
  now: Date;
  /** The stored watermark (Stripe): events created before it were listed by a complete run. */
  watermark: Date | null;
  /** Where to start instead of the watermark or the lookback (the command line's `--since`). */
  since: Date | null;
  /** How far back a run with neither a watermark nor `since` looks (`RECONCILE_LOOKBACK_HOURS`). */
  lookbackMs: number;
  /** An id for this run, kept as the request id of what it stores (it follows them into logs). */
  runId: string;
  /** Aborts when the process stops or the lease is lost. */
  signal: AbortSignal;
}

/**
 * The counts of a run so far, which the pass updates as it goes: a run that fails half way is
 * recorded with what it did until then.
 */
export interface PassProgress {
  checked: number;
  recovered: number;
  mismatches: number;
}

/** What a complete pass leaves for the store to record. */
export interface PassOutcome {
  /** The new watermark (Stripe), when this run may move it. */
  watermark?: Date;
  /** The mismatches found (a state check), replacing the previous run's. */
  mismatches?: { kept: PaymentMismatch[]; count: number };
}

/**
 * One provider's reconciliation: a run lists what the provider's API holds and either stores what
 * the service missed (Stripe) or reports what it holds wrongly (Razorpay). A pass throws to end its
 * run (a provider answering 429 or 5xx, an answer of the wrong shape); the run is then recorded with
 * the error's message, which must hold no credential.
 */
export interface ReconcilePass {
  readonly provider: Provider;
  run(context: PassContext, progress: PassProgress): Promise<PassOutcome>;
  /** Releases the pass's connections. */
  close(): Promise<void>;
}
