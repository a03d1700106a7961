import { createHash } from 'node:crypto';
import { FILTER_FIELDS, type KeysetPosition, type TransactionFilter } from '../domain/transaction-query.js';

/** Cursor format version, first in every cursor, so a later format can tell old cursors apart. */
const VERSION = 1;
/** The latest instant a JavaScript Date can hold. */
const MAX_TIME_MS = 8.64e15;
/** Bytes of SHA-256 kept for the checksum and the filter fingerprint. */
const DIGEST_BYTES = 9;

const digest = (text: string) =>
  createHash('sha256').update(text).digest().subarray(0, DIGEST_BYTES).toString('base64url');

/**
 * The filter in a canonical form (fields in a fixed order, times as epoch milliseconds), hashed: a
 * cursor remembers which filter it was issued for without carrying the filter itself.
 */
function filterFingerprint(filter: TransactionFilter): string {
  return digest(
    JSON.stringify(
      FILTER_FIELDS.map((field) => {
        const value = filter[field];
        return value instanceof Date ? value.getTime() : (value ?? null);
      }),
    ),
  );
}

/** Why a cursor was refused. */
export type CursorProblem = 'malformed' | 'other-filter';

/**
 * Encodes where the next page starts: the last row's creation time and id, and a fingerprint of
 * the filter. The text is opaque to callers, with a checksum so that an edited or cut cursor is
 * refused rather than silently read as another position. It is not a secret and grants nothing: any
 * position it can name is reachable with `created_before`.
 */
export function encodeCursor(position: KeysetPosition, filter: TransactionFilter): string {
  const body = Buffer.from(
    JSON.stringify([
      VERSION,
      position.createdAt.getTime(),
      position.transactionId,
      filterFingerprint(filter),
    ]),
  ).toString('base64url');
  return `${body}.${digest(`cursor:${body}`)}`;
}

/** The position a cursor names, or why it cannot be used with `filter`. */
export function decodeCursor(
  cursor: string,
  filter: TransactionFilter,
): { ok: true; position: KeysetPosition } | { ok: false; problem: CursorProblem } {
  const [body, checksum, extra] = cursor.split('.');
  if (!body || !checksum || extra !== undefined || digest(`cursor:${body}`) !== checksum) {
    return { ok: false, problem: 'malformed' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 4 ||
    parsed[0] !== VERSION ||
    !Number.isSafeInteger(parsed[1]) ||
    // An unkeyed checksum can be recomputed, so the values are checked as any input is: a time
    // every store can hold (the epoch to the end of JavaScript's range), an id of sane length.
    (parsed[1] as number) < 0 ||
    (parsed[1] as number) > MAX_TIME_MS ||
    typeof parsed[2] !== 'string' ||
    parsed[2].length > 512 ||
    typeof parsed[3] !== 'string'
  ) {
    return { ok: false, problem: 'malformed' };
  }
  if (parsed[3] !== filterFingerprint(filter)) return { ok: false, problem: 'other-filter' };
  return { ok: true, position: { createdAt: new Date(parsed[1] as number), transactionId: parsed[2] } };
}
