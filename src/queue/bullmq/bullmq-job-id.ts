/**
 * BullMQ job ids for (transactionId, attempt): `t<attempt>_<base64url(transactionId)>`.
 *
 * BullMQ refuses custom ids that contain `:` (its key separator) or that are all digits (they would
 * clash with its own counter ids), and transaction ids come from payment providers, so they can be
 * anything. base64url never produces `:`, and the leading `t` makes the id never all digits. The
 * encoding is one-to-one, so equal (transactionId, attempt) pairs, and only those, share an id:
 * that is what lets BullMQ ignore a second add of a job that still exists.
 */
export function jobIdOf(transactionId: string, attempt: number): string {
  if (!Number.isSafeInteger(attempt) || attempt < 0) {
    throw new RangeError(`attempt must be a non-negative integer, got ${attempt}`);
  }
  return `t${attempt}_${Buffer.from(transactionId, 'utf8').toString('base64url')}`;
}

/** The (transactionId, attempt) a {@link jobIdOf} id was made from, or null for any other string. */
export function parseJobId(jobId: string): { transactionId: string; attempt: number } | null {
  const match = /^t(0|[1-9][0-9]*)_([A-Za-z0-9_-]*)$/.exec(jobId);
  if (!match) return null;
  const attempt = Number(match[1]);
  const transactionId = Buffer.from(match[2]!, 'base64url').toString('utf8');
  // Reject strings that decode but are not what jobIdOf would have written (stray bits, bad UTF-8).
  return jobIdOf(transactionId, attempt) === jobId ? { transactionId, attempt } : null;
}
