import type { Provider } from '../domain/provider-event.js';
import type { ReconcileRun } from '../domain/reconciliation.js';
import type { Logger } from '../logger.js';
import { redact } from '../providers/provider-api-client.js';
import type { TransactionStore } from '../store/transaction-store.js';
import { newLeaseOwner, retireLeaseOwner } from '../worker/lease-owner.js';
import type { PassProgress, ReconcilePass } from './reconcile-pass.js';

/** Default {@link ReconcilerOptions.leaseMs}. */
export const RECONCILE_LEASE_MS = 60_000;

/** Longest wait between two checks of whether a provider's run is due. */
const MAX_POLL_MS = 30_000;

/** Options of {@link Reconciler}. */
export interface ReconcilerOptions {
  store: TransactionStore;
  /** One per provider whose credentials are configured. */
  passes: readonly ReconcilePass[];
  log: Logger;
  /** Time from the end of one provider's run to its next (`RECONCILE_INTERVAL_SECONDS`). */
  intervalMs: number;
  /** How far back a first run looks (`RECONCILE_LOOKBACK_HOURS`). */
  lookbackMs: number;
  /**
   * How long a run's lease lasts unless renewed; it is renewed every third of it while the run goes
   * on, so a crashed holder's lease runs out this long after its last renewal. Default
   * {@link RECONCILE_LEASE_MS}.
   */
  leaseMs?: number;
  /** Called with every run recorded by this process (metrics); must not throw. */
  onRun?: (run: ReconcileRun) => void;
  /** Values that must never appear in a recorded error or a log line (the providers' credentials). */
  secrets?: readonly string[];
}

/** What asking for a run came to: the run recorded, or why there was none. */
export type RunAttempt =
  | { provider: Provider; run: ReconcileRun }
  | { provider: Provider; skipped: 'busy' | 'lease-lost' | 'stopped' };

/** The lease was lost mid-run (it expired and another process took it): this run records nothing. */
class LeaseLost extends Error {
  override readonly name = 'LeaseLost';
}

/** The process is stopping: the run ends without being recorded. */
class Stopping extends Error {
  override readonly name = 'Stopping';
}

/**
 * Runs each provider's reconciliation pass, one process at a time: every worker process starts a
 * reconciler, and a provider's run happens only in the process that takes its lease in the store
 * (one conditional statement), once its run is due. The schedule lives in the store too (the next
 * run is due `intervalMs` after the last one ended), so several workers together run each provider
 * once per interval, not once per worker. Providers run independently: one failing or slow never
 * holds up the other.
 *
 * A run is recorded when it ends, with its counts and, if it stopped early, the error's message
 * (redacted). A run cut short by shutdown or by losing its lease records nothing; what it stored
 * stays stored, and the next run starts from the same watermark.
 */
export class Reconciler {
  readonly #options: ReconcilerOptions;
  readonly #owner = newLeaseOwner();
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #running = new Map<Provider, Promise<RunAttempt>>();
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ReconcilerOptions) {
    this.#options = options;
    this.#leaseMs = options.leaseMs ?? RECONCILE_LEASE_MS;
    this.#pollMs = Math.min(options.intervalMs, MAX_POLL_MS);
  }

  /** The providers this reconciler runs. */
  get providers(): Provider[] {
    return this.#options.passes.map((p) => p.provider);
  }

  /** Checks at once whether a run is due, then every poll (at most 30 s, at most the interval). */
  start(): void {
    const tick = () => {
      if (this.#stop.signal.aborted) return;
      for (const pass of this.#options.passes) {
        if (this.#running.has(pass.provider)) continue;
        void this.#attempt(pass, { whenDue: true, since: null });
      }
      this.#timer = setTimeout(tick, this.#pollMs);
      this.#timer.unref();
    };
    tick();
  }

  /**
   * Runs now, without waiting for the schedule (the command line): every provider, or `provider`,
   * from `since` when given. A provider whose lease another process holds is skipped as `busy`.
   */
  async runNow(options: { provider?: Provider; since?: Date | null } = {}): Promise<RunAttempt[]> {
    const passes = this.#options.passes.filter((p) => !options.provider || p.provider === options.provider);
    return Promise.all(
      passes.map(async (pass) => {
        await this.#running.get(pass.provider);
        return this.#attempt(pass, { whenDue: false, since: options.since ?? null });
      }),
    );
  }

  /** Stops the schedule, aborts runs in progress and gives their leases back, then closes the passes. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#stop.abort(new Stopping('the process is stopping'));
    await Promise.allSettled([...this.#running.values()]);
    retireLeaseOwner(this.#owner);
    await Promise.allSettled(this.#options.passes.map((p) => p.close()));
  }

  #attempt(pass: ReconcilePass, options: { whenDue: boolean; since: Date | null }): Promise<RunAttempt> {
    const running = this.#run(pass, options)
      .catch((error: unknown): RunAttempt => {
        // Only the store can fail here (taking or recording the lease): the next tick tries again.
        this.#options.log.error(
          { err: this.#redactedError(error), provider: pass.provider },
          'reconciliation could not run; will try again',
        );
        return { provider: pass.provider, skipped: 'busy' };
      })
      .finally(() => {
        if (this.#running.get(pass.provider) === running) this.#running.delete(pass.provider);
      });
    this.#running.set(pass.provider, running);
    return running;
  }

  async #run(pass: ReconcilePass, options: { whenDue: boolean; since: Date | null }): Promise<RunAttempt> {
    const { store, log, intervalMs, lookbackMs } = this.#options;
    const provider = pass.provider;
    if (this.#stop.signal.aborted) return { provider, skipped: 'stopped' };
    const lease = await store.takeReconcileLease(provider, this.#owner, this.#leaseMs, options);
    if (!lease) return { provider, skipped: 'busy' };

    const startedAt = new Date();
    const runId = `reconcile-${provider}-${startedAt.getTime().toString(36)}`;
    const lost = new AbortController();
    const signal = AbortSignal.any([this.#stop.signal, lost.signal]);
    const renewal = setInterval(() => {
      store.renewReconcileLease(provider, this.#owner, this.#leaseMs).then(
        (held) => {
          if (!held) lost.abort(new LeaseLost(`the ${provider} reconciliation lease was lost`));
        },
        (error: unknown) => log.warn({ err: error, provider }, 'renewing the reconciliation lease failed'),
      );
    }, this.#leaseMs / 3);
    renewal.unref();

    const progress: PassProgress = { checked: 0, recovered: 0, mismatches: 0 };
    let outcome: Awaited<ReturnType<ReconcilePass['run']>> | undefined;
    let error: string | null = null;
    try {
      outcome = await pass.run(
        { now: startedAt, watermark: lease.watermark, since: options.since, lookbackMs, runId, signal },
        progress,
      );
    } catch (thrown) {
      if (signal.aborted) {
        clearInterval(renewal);
        const reason = signal.reason;
        if (reason instanceof LeaseLost) {
          log.warn({ provider, ...progress }, 'reconciliation lease lost mid-run; another process runs it');
          return { provider, skipped: 'lease-lost' };
        }
        await store.releaseReconcileLease(provider, this.#owner).catch(() => undefined);
        log.info({ provider, ...progress }, 'reconciliation run interrupted by shutdown; not recorded');
        return { provider, skipped: 'stopped' };
      }
      error = this.#redact(thrown instanceof Error ? thrown.message : String(thrown));
    } finally {
      clearInterval(renewal);
    }

    const finishedAt = new Date();
    const run: ReconcileRun = { provider, startedAt, finishedAt, ...progress, error };
    const recorded = await store.recordReconcileRun(this.#owner, {
      run,
      nextRunAt: new Date(finishedAt.getTime() + intervalMs),
      ...(error === null ? outcome : {}),
    });
    if (!recorded) {
      log.warn({ provider, ...progress }, 'reconciliation lease lost before the run was recorded');
      return { provider, skipped: 'lease-lost' };
    }
    this.#options.onRun?.(run);
    const fields = { provider, ...progress, durationMs: finishedAt.getTime() - startedAt.getTime() };
    if (error !== null)
      log.warn({ ...fields, error }, 'reconciliation run failed; will try again at the next');
    else if (run.mismatches > 0) log.warn(fields, 'reconciliation found payments whose state differs');
    else log.info(fields, 'reconciliation run completed');
    return { provider, run };
  }

  #redact(text: string): string {
    return redact(text, this.#options.secrets ?? []);
  }

  /** `error` for a log line: its name and redacted message, never an object that could hold a credential. */
  #redactedError(error: unknown): { type: string; message: string } {
    return error instanceof Error
      ? { type: error.name, message: this.#redact(error.message) }
      : { type: 'Error', message: this.#redact(String(error)) };
  }
}
