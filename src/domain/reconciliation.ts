import type { PaymentStatus } from './payment-status.js';
import type { Provider } from './provider-event.js';

/**
 * Reconciliation: checking the service's record against the provider's own. For Stripe a run lists
 * the events the API holds and stores those whose webhook never arrived; for Razorpay (which has no
 * events list) a run lists recent payments and compares each one's state at Razorpay with the state
 * derived from the events the service stored, changing nothing.
 */

/** One provider's reconciliation run, as recorded once it ended. */
export interface ReconcileRun {
  provider: Provider;
  startedAt: Date;
  finishedAt: Date;
  /** Events (Stripe) or payments (Razorpay) the provider listed. */
  checked: number;
  /** Events stored by this run because the service did not hold them (Stripe). */
  recovered: number;
  /** Payments whose state differs (Razorpay); for a failed run, those found before it stopped. */
  mismatches: number;
  /** Why the run ended early, with no secret in it; null when it completed. */
  error: string | null;
}

/** A payment whose state at the provider differs from the state the service derived from its events. */
export interface PaymentMismatch {
  provider: Provider;
  paymentId: string;
  /** The payment's state at the provider; null when it is in none of the vocabulary's states (`created`). */
  providerStatus: PaymentStatus | null;
  /** The state the service derives from the events it stored; null when it holds none for the payment. */
  derivedStatus: PaymentStatus | null;
  /** The payment's amount at the provider, in the currency's minor unit. */
  amount: number;
  currency: string | null;
  /** When the payment was created at the provider. */
  createdAt: Date;
}

/** What the store keeps of one provider's reconciliation, beyond the lease. */
export interface ReconcileStatus {
  provider: Provider;
  /** The latest recorded run; null before the first. */
  lastRun: ReconcileRun | null;
  /** When the latest run that completed finished; null when none has. */
  lastSuccessAt: Date | null;
  /** Runs that failed since the last one that completed. */
  consecutiveFailures: number;
  /** Mismatches the last complete run found (all of them, not only those kept). */
  mismatchCount: number;
  /** Stripe: events created before this instant were all listed by a complete run; null before one. */
  watermark: Date | null;
}

/** At most this many mismatches are kept per provider and listed: the largest amounts. */
export const MAX_KEPT_MISMATCHES = 500;

/**
 * Whether a payment's state at the provider differs from the state derived from its stored events.
 * Any difference counts, either way: a payment the service thinks captured but the provider
 * refunded is as wrong as one it never heard of. Null on both sides (a payment only `created` at
 * the provider, with no event here) is agreement.
 */
export const isMismatch = (providerStatus: PaymentStatus | null, derivedStatus: PaymentStatus | null) =>
  providerStatus !== derivedStatus;

/** The order mismatches are listed in: largest amount first, then by provider and payment id. */
export function compareMismatches(a: PaymentMismatch, b: PaymentMismatch): number {
  if (a.amount !== b.amount) return b.amount - a.amount;
  if (a.provider !== b.provider) return a.provider < b.provider ? -1 : 1;
  return a.paymentId < b.paymentId ? -1 : a.paymentId > b.paymentId ? 1 : 0;
}

/**
 * Keeps the `limit` largest of many mismatches without holding them all: a run over a week of
 * payments whose webhooks were all lost finds every one of them, but only the largest are listed.
 */
export class LargestMismatches {
  readonly #kept: PaymentMismatch[] = [];
  #seen = 0;

  constructor(private readonly limit = MAX_KEPT_MISMATCHES) {}

  add(mismatch: PaymentMismatch): void {
    this.#seen++;
    this.#kept.push(mismatch);
    // Sorting only once twice the limit has gathered keeps this linear in the mismatches found.
    if (this.#kept.length >= this.limit * 2) this.#trim();
  }

  /** How many were added, kept or not. */
  get count(): number {
    return this.#seen;
  }

  /** The largest `limit`, in {@link compareMismatches} order. */
  largest(): PaymentMismatch[] {
    this.#trim();
    return [...this.#kept];
  }

  #trim(): void {
    this.#kept.sort(compareMismatches);
    this.#kept.length = Math.min(this.#kept.length, this.limit);
  }
}
