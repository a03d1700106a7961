/**
 * A counting semaphore whose waiters can give up: at most `limit` holders at once, the others
 * waiting in arrival order; a waiter whose signal aborts leaves the line at once, rejected with the
 * signal's reason.
 *
 * The forwarding client holds one slot per request in flight, so `FORWARD_CONCURRENCY` caps what
 * reaches the receiver however many handlers the worker runs. undici's pool caps connections too,
 * but a request waiting in its queue cannot be told apart from one on the wire, so a timeout set on
 * it would count the wait; waiting here first lets the timeout start when the request does.
 */
export class RequestSlots {
  readonly #limit: number;
  #held = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError('the slot limit must be a positive integer');
    this.#limit = limit;
  }

  /** Slots held now. */
  get held(): number {
    return this.#held;
  }

  /** Callers waiting for a slot now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Resolves with a release function once a slot is free; call it exactly once when done (later
   * calls do nothing). Rejects with `signal.reason` if the signal aborts first.
   */
  async acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (this.#held < this.#limit) {
      this.#held++;
      return this.#releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const at = this.#waiting.indexOf(grant);
        if (at !== -1) this.#waiting.splice(at, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(grant);
    });
    // The slot was handed over by a release without changing the count.
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#held--;
    };
  }
}
