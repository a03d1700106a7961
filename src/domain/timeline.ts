/**
 * What happened minute by minute: transactions received (by creation time), and transactions that
 * reached PROCESSED or FAILED (by the time they reached it; one replayed since counts where it is
 * now, at its latest completion).
 */

/** The span and bucket size of a timeline. */
export interface TimelineQuery {
  /** Start of the first bucket (inclusive). */
  from: Date;
  /** End of the last bucket (exclusive). */
  to: Date;
  /** Bucket length in milliseconds; buckets start at `from`, `from + bucketMs`, … */
  bucketMs: number;
}

/** The counts of one bucket, as a store reports them (only buckets where something happened). */
export interface TimelineCounts {
  /** The bucket's number from 0 (`from`) on. */
  bucket: number;
  received: number;
  processed: number;
  failed: number;
}

/** Adds a store's grouped counts (`kind`, `bucket`, `n`) into one entry per bucket, in bucket order. */
export function mergeTimelineCounts(
  rows: Iterable<{ kind: 'received' | 'processed' | 'failed'; bucket: number | string; n: number | string }>,
): TimelineCounts[] {
  const buckets = new Map<number, TimelineCounts>();
  for (const row of rows) {
    const bucket = Number(row.bucket);
    let counts = buckets.get(bucket);
    if (!counts) {
      counts = { bucket, received: 0, processed: 0, failed: 0 };
      buckets.set(bucket, counts);
    }
    counts[row.kind] += Number(row.n);
  }
  return [...buckets.values()].sort((a, b) => a.bucket - b.bucket);
}
