import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';
import type { FormFields } from '../form-fields.js';
import type { SignatureVerdict } from '../webhook-provider.js';

/** The form field that carries Paytm's checksum. */
export const PAYTM_CHECKSUM_FIELD = 'CHECKSUMHASH';

/** The initialisation vector of Paytm's checksum encryption, fixed by Paytm's libraries. */
const IV = Buffer.from('@@@@&&&&####$$$$', 'latin1');

/** How many characters of random salt Paytm's checksum carries at its end. */
const SALT_LENGTH = 4;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The text Paytm's checksum covers: every field but `CHECKSUMHASH`, in the order of their names
 * sorted as JavaScript sorts strings, values joined with `|` (paytmchecksum's `getStringByParams`:
 * the sorted names are written into an object and its values read back, so, as there, names that
 * are array indices come first in numeric order).
 */
export function paytmChecksumText(fields: FormFields): string {
  const ordered: Record<string, string> = Object.create(null);
  for (const name of [...fields.keys()].sort()) {
    if (name !== PAYTM_CHECKSUM_FIELD) ordered[name] = fields.get(name)!;
  }
  return Object.values(ordered).join('|');
}

/**
 * The verdict on a Paytm form's `CHECKSUMHASH`: the base64 of AES-128-CBC (the merchant key, a
 * fixed IV) over the hex SHA-256 of `"<checksum text>|<salt>"` followed by that 4-character salt
 * (paytmchecksum's `verifySignature`). `missing` when absent; `malformed` when it is not base64 of
 * whole AES blocks; `invalid` when no key decrypts it to the expected text; else `ok`. Decryption
 * that fails (wrong key, bad padding) counts as no match, for every key in turn without stopping
 * early; the expected and decrypted texts are compared with `timingSafeEqual` (paytmchecksum uses
 * `===`).
 */
export function paytmChecksumVerdict(fields: FormFields, keys: readonly Buffer[]): SignatureVerdict {
  const checksum = fields.get(PAYTM_CHECKSUM_FIELD);
  if (checksum === undefined) return 'missing';
  if (!BASE64.test(checksum)) return 'malformed';
  const encrypted = Buffer.from(checksum, 'base64');
  if (encrypted.length === 0 || encrypted.length % 16 !== 0) return 'malformed';
  const text = paytmChecksumText(fields);
  let ok = false;
  for (const key of keys) {
    let decrypted: Buffer;
    try {
      const decipher = createDecipheriv('aes-128-cbc', key, IV);
      decrypted = Buffer.concat([decipher.update(encrypted), decipher.final()]);
    } catch {
      continue;
    }
    if (decrypted.length < SALT_LENGTH) continue;
    const salt = decrypted.subarray(decrypted.length - SALT_LENGTH).toString('latin1');
    const expected = Buffer.from(
      `${createHash('sha256').update(`${text}|${salt}`).digest('hex')}${salt}`,
      'latin1',
    );
    if (expected.length === decrypted.length) ok = timingSafeEqual(expected, decrypted) || ok;
  }
  return ok ? 'ok' : 'invalid';
}
