import { createHash } from 'node:crypto';

/** What a readable part of a derived id may be: letters, digits, `_`, `.` and `-` (no `:`, the separator). */
const PART = /^[A-Za-z0-9_.-]+$/;

/** The longest transaction id (see `IDENTIFIER_PATTERN`). */
const MAX_ID_LENGTH = 128;

/**
 * An event id for a gateway that sends none, made of what the event states and the same on every
 * retry of it (PayU's `mihpayid` and `status`, PhonePe's `event`, `orderId` and `state`, …), so
 * that a re-delivery finds the record of the first:
 *
 * - `<provider>:<part>:<part>…` when every part is 1 or more of `A-Z a-z 0-9 _ . -` and the whole
 *   fits in 128 characters (`payu:403993715521937567:success`): readable in the operators' list;
 * - otherwise `<provider>::<hex SHA-256 of the parts>` (parts with other characters, or too long):
 *   the empty part (`::`) never occurs in the readable form, so the two forms cannot collide.
 *
 * Either way a transaction id (1-128 of `[A-Za-z0-9_.:-]`), stable across versions: changing
 * this rule would make re-deliveries of events received before the change look new.
 */
export function derivedEventId(provider: string, parts: readonly string[]): string {
  const readable = `${provider}:${parts.join(':')}`;
  if (parts.every((p) => PART.test(p)) && readable.length <= MAX_ID_LENGTH) return readable;
  // JSON of the list: unambiguous however the parts are split (["a:b"] is not ["a", "b"]).
  return `${provider}::${createHash('sha256').update(JSON.stringify(parts)).digest('hex')}`;
}
