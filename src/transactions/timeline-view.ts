import type { TimelineCounts } from '../domain/timeline.js';
import type { TransactionStore } from '../store/transaction-store.js';

/** The timeline's bucket: one minute. */
export const TIMELINE_BUCKET_SECONDS = 60;
/** Minutes shown when none are asked for. */
export const DEFAULT_TIMELINE_MINUTES = 60;
/** The most minutes one timeline covers: a day. */
export const MAX_TIMELINE_MINUTES = 1440;

/** One minute of the timeline as the API shows it. */
export interface TimelineBucketView {
  /** The minute's start, UTC ISO 8601. */
  start: string;
  received: number;
  processed: number;
  failed: number;
}

/** The public JSON view of the timeline. */
export interface TimelineView {
  bucket_seconds: number;
  /** Oldest first, every minute present (0 where nothing happened). */
  buckets: TimelineBucketView[];
}

/**
 * The last `minutes` whole minutes up to and including the current one (which is still filling),
 * at `now`, read from the store and completed with the minutes where nothing happened.
 */
export async function readTimeline(
  store: TransactionStore,
  minutes: number,
  now: Date,
): Promise<TimelineView> {
  const bucketMs = TIMELINE_BUCKET_SECONDS * 1000;
  const currentStart = Math.floor(now.getTime() / bucketMs) * bucketMs;
  const from = currentStart - (minutes - 1) * bucketMs;
  const counts = await store.timeline({
    from: new Date(from),
    to: new Date(currentStart + bucketMs),
    bucketMs,
  });
  return toTimelineView(counts, from, minutes, bucketMs);
}

/** `minutes` buckets from `from`, each with the counts of `counts` (0 where it has none). */
export function toTimelineView(
  counts: readonly TimelineCounts[],
  from: number,
  minutes: number,
  bucketMs: number,
): TimelineView {
  const buckets: TimelineBucketView[] = Array.from({ length: minutes }, (_, i) => ({
    start: new Date(from + i * bucketMs).toISOString(),
    received: 0,
    processed: 0,
    failed: 0,
  }));
  for (const c of counts) {
    const bucket = buckets[c.bucket];
    if (!bucket) continue;
    bucket.received += c.received;
    bucket.processed += c.processed;
    bucket.failed += c.failed;
  }
  return { bucket_seconds: bucketMs / 1000, buckets };
}
