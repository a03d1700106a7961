import { storedPayloadFormat } from '../domain/stored-payload.js';
import { MalformedBodyError } from './webhook-provider.js';

/** A form's fields, each with its one value, as `URLSearchParams` decodes them. */
export type FormFields = ReadonlyMap<string, string>;

const exactUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The fields of an `application/x-www-form-urlencoded` body, decoded with `URLSearchParams`'
 * semantics (the WHATWG URL standard's, which is how gateways' own libraries and browsers encode):
 * fields split at `&`, name and value at the first `=`, `+` is a space, `%xx` a byte, and the
 * bytes read as UTF-8. Throws {@link MalformedBodyError} for:
 *
 * - a field sent twice: which copy counts differs between readers (PHP keeps the last, Java's
 *   servlets the first), so a signed form could mean one amount to us and another to whoever reads
 *   the stored payload;
 * - text that begins with `{`: stored payloads are told apart by their first character (see
 *   `storedPayloadFormat`), and no gateway's form begins so.
 */
export function decodeForm(text: string): FormFields {
  if (storedPayloadFormat(text) === 'json') throw new MalformedBodyError('Form body cannot begin with {');
  const fields = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(text)) {
    if (fields.has(name)) throw new MalformedBodyError('Form body has a field sent twice');
    fields.set(name, value);
  }
  return fields;
}

/** {@link decodeForm} of a body's bytes, which must be UTF-8 (they are ASCII in practice: percent-encoded). */
export function decodeFormBytes(body: Buffer): FormFields {
  let text: string;
  try {
    text = exactUtf8.decode(body);
  } catch {
    throw new MalformedBodyError('Request body is not valid UTF-8');
  }
  return decodeForm(text);
}
