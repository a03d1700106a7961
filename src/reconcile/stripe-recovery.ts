import type { NewTransaction } from '../domain/transaction.js';
import { providerTransaction } from '../ingest/provider-transaction.js';
import type { Logger } from '../logger.js';
import { mapStripeEvent } from '../providers/stripe/stripe-event.js';
import type { StripeEventsApi } from '../providers/stripe/stripe-events-api.js';
import { EnvelopeError } from '../providers/webhook-provider.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { TransactionStore } from '../store/transaction-store.js';
import type { PassContext, PassOutcome, PassProgress, ReconcilePass } from './reconcile-pass.js';

/**
 * How far before the newest listed event the watermark is set: events Stripe makes visible in the
 * list a little after their `created` second, or created in the same second as the newest, are
 * listed again by the next run rather than missed. Re-listed events are found already stored.
 */
export const STRIPE_WATERMARK_OVERLAP_MS = 5 * 60_000;

/** Options of {@link StripeRecovery}. */
export interface StripeRecoveryOptions {
  api: StripeEventsApi;
  store: TransactionStore;
  queue: JobQueue;
  log: Logger;
}

/**
 * Stripe's recovery pass: lists the events created since the watermark (the first run: since the
 * lookback) and stores each one the service does not hold exactly as if its webhook had arrived:
 * the same mapping (`mapStripeEvent`), the event id as transaction id, insert-if-absent (an event
 * delivered meanwhile, or recovered before, is neither stored nor processed again), then a job, so
 * it is processed (or forwarded) once like any other. What differs is `received_via`
 * (`reconciliation`) and the payload: the API's copy of the event, as JSON, rather than the signed
 * delivery's bytes.
 *
 * Each page is stored as it arrives, so a run cut short keeps what it stored; its watermark is not
 * moved, and the next run lists the same window again. A complete run moves the watermark to
 * {@link STRIPE_WATERMARK_OVERLAP_MS} before the newest event it listed (Stripe's own clock, so the
 * service's clock does not matter), never earlier than it was, and only when the run started at or
 * before the watermark (a `--since` later than it leaves the watermark alone).
 */
export class StripeRecovery implements ReconcilePass {
  readonly provider = 'stripe';

  constructor(private readonly options: StripeRecoveryOptions) {}

  async run(context: PassContext, progress: PassProgress): Promise<PassOutcome> {
    const { api, store, queue, log } = this.options;
    const floor = context.watermark ?? new Date(context.now.getTime() - context.lookbackMs);
    const from = context.since ?? floor;
    let newest: number | undefined;
    for await (const page of api.pages(Math.floor(from.getTime() / 1000), context.signal)) {
      const items: NewTransaction[] = [];
      const receivedAt = new Date();
      for (const listed of page.events) {
        progress.checked++;
        if (typeof listed.created === 'number' && (newest === undefined || listed.created > newest)) {
          newest = listed.created;
        }
        try {
          const event = mapStripeEvent(listed);
          items.push(
            providerTransaction(event, {
              payload: JSON.stringify(listed),
              requestId: context.runId,
              receivedAt,
              receivedVia: 'reconciliation',
            }),
          );
        } catch (error) {
          if (!(error instanceof EnvelopeError)) throw error;
          // As its webhook would have been refused (422), the event is not stored; say which it is.
          log.warn(
            { eventId: listed.id, loc: error.loc, problem: error.message },
            'a listed Stripe event is not an event the mapping reads; not stored',
          );
        }
      }
      if (items.length === 0) continue;
      const outcomes = await store.insertMany(items);
      const jobs = outcomes
        .filter((o) => o.inserted)
        .map((o) => ({ transactionId: o.record.transactionId, attempt: 0 }));
      progress.recovered += jobs.length;
      if (jobs.length > 0) {
        // The rows are committed: if the doorbell fails, the recovery sweep dispatches them.
        await queue.enqueue(jobs).catch((error: unknown) => {
          log.error(
            { err: error, count: jobs.length },
            'enqueue of recovered events failed; the recovery sweep will dispatch',
          );
        });
      }
    }
    const movesWatermark = from.getTime() <= floor.getTime();
    if (!movesWatermark || newest === undefined) return {};
    return { watermark: new Date(newest * 1000 - STRIPE_WATERMARK_OVERLAP_MS) };
  }

  close(): Promise<void> {
    return this.options.api.close();
  }
}
