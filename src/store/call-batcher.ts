/** Options of {@link CallBatcher}. */
export interface CallBatcherOptions<In, Out> {
  /**
   * Runs one batch; must resolve with one result per input, in the same order. A rejection rejects
   * every call of the batch.
   */
  run: (inputs: In[]) => Promise<Out[]>;
  /** Largest batch. Default 500. */
  maxBatch?: number;
  /** Batches running at once. Default 2. */
  maxInFlight?: number;
  /** Called whenever the last running batch ends and no call waits (lets an owner drop the batcher). */
  onIdle?: () => void;
}

interface Waiting<In, Out> {
  input: In;
  resolve: (output: Out) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers concurrent calls of one kind into batches that run as one statement. Calls made in the
 * same turn of the event loop go together, and so do calls made while `maxInFlight` batches are
 * running: a burst of a thousand calls costs a few round trips and commits instead of a thousand,
 * and a lone call waits for nothing but the end of the current turn.
 */
export class CallBatcher<In, Out> {
  readonly #run: (inputs: In[]) => Promise<Out[]>;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  readonly #onIdle: (() => void) | undefined;
  #waiting: Waiting<In, Out>[] = [];
  #inFlight = 0;
  #scheduled = false;

  constructor(options: CallBatcherOptions<In, Out>) {
    this.#run = options.run;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#maxInFlight = options.maxInFlight ?? 2;
    this.#onIdle = options.onIdle;
  }

  /** Resolves with this input's result once its batch has run. */
  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.#waiting.push({ input, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.#maxInFlight || this.#waiting.length === 0) return;
    this.#scheduled = true;
    // Let the calls made in the rest of this turn join the batch.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#runNext();
    });
  }

  async #runNext(): Promise<void> {
    if (this.#inFlight >= this.#maxInFlight || this.#waiting.length === 0) return;
    const batch =
      this.#waiting.length <= this.#maxBatch ? this.#waiting : this.#waiting.splice(0, this.#maxBatch);
    if (batch === this.#waiting) this.#waiting = [];
    this.#inFlight++;
    // More waiting than one batch takes, and room for another batch: start it now.
    this.#schedule();
    try {
      const outputs = await this.#run(batch.map((w) => w.input));
      if (outputs.length !== batch.length) {
        throw new Error(`batch of ${batch.length} calls got ${outputs.length} results`);
      }
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(outputs[i]!);
    } catch (error) {
      for (const w of batch) w.reject(error);
    } finally {
      this.#inFlight--;
      this.#schedule();
      if (this.#inFlight === 0 && this.#waiting.length === 0) this.#onIdle?.();
    }
  }
}

/**
 * One {@link CallBatcher} per key (a lease owner, say), made on a key's first call and dropped when
 * it has nothing left to run, so that calls are only ever batched with calls of the same key.
 */
export class KeyedCallBatchers<In, Out> {
  readonly #batchers = new Map<string, CallBatcher<In, Out>>();

  /**
   * Submits `input` to the batcher of `key`; `run` runs the batches of that key and is used when the
   * key has no batcher yet.
   */
  submit(key: string, input: In, run: (inputs: In[]) => Promise<Out[]>): Promise<Out> {
    let batcher = this.#batchers.get(key);
    if (!batcher) {
      batcher = new CallBatcher({ run, onIdle: () => this.#batchers.delete(key) });
      this.#batchers.set(key, batcher);
    }
    return batcher.submit(input);
  }
}
