import { createHash, timingSafeEqual } from 'node:crypto';
import type { FormFields } from '../form-fields.js';
import type { SignatureVerdict } from '../webhook-provider.js';

/** The form field that carries PayU's hash. */
export const PAYU_HASH_FIELD = 'hash';

const HEX_SHA512 = /^[0-9a-fA-F]{128}$/;

/**
 * The text PayU hashes for a response (the "reverse hash"), from the form's fields and the
 * merchant's key and salt: `salt|status||||||udf5|udf4|udf3|udf2|udf1|email|firstname|productinfo|
 * amount|txnid|key`, prefixed with `additionalCharges|` when the form carries `additionalCharges`
 * (payu-websdk's `reverseHasher`, and PayU's documentation). Fields are used as decoded; an absent
 * field counts as empty. PayU's split-payment variant (`splitInfo`, with the SDK's `useSplitHash`)
 * is not supported: such forms do not verify.
 */
export function payuReverseHashText(fields: FormFields, key: string, salt: string): string {
  const f = (name: string) => fields.get(name) ?? '';
  const text = [
    salt,
    f('status'),
    '',
    '',
    '',
    '',
    '',
    f('udf5'),
    f('udf4'),
    f('udf3'),
    f('udf2'),
    f('udf1'),
    f('email'),
    f('firstname'),
    f('productinfo'),
    f('amount'),
    f('txnid'),
    key,
  ].join('|');
  return fields.has('additionalCharges') ? `${f('additionalCharges')}|${text}` : text;
}

/** PayU's hash of a response form: the lowercase hex SHA-512 of {@link payuReverseHashText}. */
export const payuReverseHash = (fields: FormFields, key: string, salt: string): string =>
  createHash('sha512')
    .update(payuReverseHashText(fields, key, salt))
    .digest('hex');

/**
 * The verdict on a PayU form's `hash` field: `missing` when absent, `malformed` when it is not 128
 * hex digits, `invalid` when no salt gives it with the merchant key, else `ok`. Compared as 64 raw
 * bytes with `timingSafeEqual`, every salt tried without stopping early (payu-websdk's
 * `validateResponseHash` compares the hex text with `==`).
 */
export function payuHashVerdict(fields: FormFields, key: string, salts: readonly string[]): SignatureVerdict {
  const offered = fields.get(PAYU_HASH_FIELD);
  if (offered === undefined) return 'missing';
  if (!HEX_SHA512.test(offered)) return 'malformed';
  const bytes = Buffer.from(offered, 'hex');
  let ok = false;
  for (const salt of salts) {
    const expected = createHash('sha512')
      .update(payuReverseHashText(fields, key, salt))
      .digest();
    ok = timingSafeEqual(expected, bytes) || ok;
  }
  return ok ? 'ok' : 'invalid';
}
