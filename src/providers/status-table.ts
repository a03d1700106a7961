/**
 * The entry of `table` for `key` (a status or event type as a provider sent it), or null when
 * there is none. Tables are Maps rather than object literals because the key is text from a
 * body, and `constructor` must not find `Object.prototype`'s.
 */
export const statusFrom = <T>(table: ReadonlyMap<string, T>, key: string | null): T | null =>
  key === null ? null : (table.get(key) ?? null);
