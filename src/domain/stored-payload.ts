/**
 * A stored payload is the webhook's body exactly as it arrived: a JSON object (the original
 * contract and the gateways that post JSON) or an `application/x-www-form-urlencoded` form (PayU,
 * Paytm). Which one it is follows from its first character, so a handler, the forwarder and the
 * operators' API read any stored payload without asking which provider sent it: every JSON body
 * the service stores is an object (each endpoint refuses anything else), and a form whose text
 * would begin with `{` is refused on arrival (see `decodeForm`).
 */

/** The two kinds of stored payload. */
export type StoredPayloadFormat = 'json' | 'form';

/** The media type each kind was received as, for serving a raw payload as it came. */
export const STORED_PAYLOAD_MEDIA_TYPES: Readonly<Record<StoredPayloadFormat, string>> = {
  json: 'application/json; charset=utf-8',
  form: 'application/x-www-form-urlencoded; charset=utf-8',
};

/** JSON's insignificant whitespace (RFC 8259): space, tab, line feed, carriage return. */
const isJsonWhitespace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** `json` when `text` begins with `{` after JSON whitespace, else `form`. */
export function storedPayloadFormat(text: string): StoredPayloadFormat {
  let i = 0;
  while (i < text.length && isJsonWhitespace(text.charCodeAt(i))) i++;
  return text.charCodeAt(i) === 0x7b ? 'json' : 'form';
}

/**
 * A stored payload, parsed: the JSON value, or a form's fields as an object of strings (decoded as
 * `URLSearchParams` decodes them: `+` is a space, `%xx` a byte). Forms are stored only without
 * repeated fields, so every field has its one value. Null for an erased payload.
 */
export function parseStoredPayload(text: string | null): unknown {
  if (text === null) return null;
  if (storedPayloadFormat(text) === 'json') return JSON.parse(text) as unknown;
  // Object.fromEntries defines own properties, so a field named __proto__ stays a field.
  return Object.fromEntries(new URLSearchParams(text));
}
