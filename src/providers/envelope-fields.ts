import { currencyCode, isMinorUnitAmount, minorUnitsFromDecimal } from '../domain/money.js';
import { JsonNumberText } from './exact-json.js';
import { EnvelopeError } from './webhook-provider.js';

/**
 * Readers of the fields of a parsed provider envelope, shared by every provider's mapping. Each
 * returns the value in the service's terms or throws an {@link EnvelopeError} whose `loc`, `type`
 * and message follow FastAPI's validation errors (`missing`, `string_type`, …), so a verified body
 * that is not the provider's envelope answers 422 with the field at fault.
 */

/** Where a field is: `['body', 'payload', 'payment', 'entity', 'amount']`. */
export type Loc = readonly (string | number)[];

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** The identifier rule of transaction and account ids: 1-128 of `[A-Za-z0-9_.:-]`. */
export const IDENTIFIER_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

function fail(loc: Loc, message: string, type: string): never {
  throw new EnvelopeError([...loc], message, type);
}

/** Whether `value` is a JSON object (not an array, not null). */
export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `value` as an object; `missing` when absent, `dict_type` when anything else. */
export function requireObject(value: unknown, loc: Loc): JsonObject {
  if (value === undefined) fail(loc, 'Field required', 'missing');
  if (!isJsonObject(value)) fail(loc, 'Input should be a valid dictionary', 'dict_type');
  return value as JsonObject;
}

/** `value` as a string; `missing` when absent, `string_type` when anything else. */
export function requireString(value: unknown, loc: Loc): string {
  if (value === undefined) fail(loc, 'Field required', 'missing');
  if (typeof value !== 'string') fail(loc, 'Input should be a valid string', 'string_type');
  return value as string;
}

/** `value` as a string, or null when absent or null; `string_type` when anything else. */
export function optionalString(value: unknown, loc: Loc): string | null {
  return value === undefined || value === null ? null : requireString(value, loc);
}

/**
 * An identifier that becomes a transaction or account id: a string matching
 * {@link IDENTIFIER_PATTERN}, else `missing`, `string_type` or `string_pattern_mismatch`.
 */
export function requireIdentifier(value: unknown, loc: Loc): string {
  const id = requireString(value, loc);
  if (!IDENTIFIER_PATTERN.test(id)) {
    fail(loc, `String should match pattern '${IDENTIFIER_PATTERN.source}'`, 'string_pattern_mismatch');
  }
  return id;
}

/** Like {@link requireIdentifier}, but null when absent or null. */
export function optionalIdentifier(value: unknown, loc: Loc): string | null {
  return value === undefined || value === null ? null : requireIdentifier(value, loc);
}

/**
 * The id of a field that holds either an id or, when the request expanded it, the object itself
 * (Stripe's `customer`, `payment_intent`, `on_behalf_of`): the string, or the object's `id`. Null
 * when absent or null.
 */
export function expandableId(value: unknown, loc: Loc): string | null {
  if (isJsonObject(value)) return requireIdentifier(value.id, [...loc, 'id']);
  return optionalIdentifier(value, loc);
}

/** An amount in the currency's minor unit (see `isMinorUnitAmount`); `missing`, `int_type` or a bound error. */
export function requireAmount(value: unknown, loc: Loc): number {
  if (value === undefined) fail(loc, 'Field required', 'missing');
  if (isMinorUnitAmount(value)) return value;
  if (!Number.isInteger(value)) {
    fail(loc, "Input should be a valid integer (the amount in the currency's minor unit)", 'int_type');
  }
  if ((value as number) < 0) fail(loc, 'Input should be greater than or equal to 0', 'greater_than_equal');
  return fail(loc, `Input should be less than or equal to ${Number.MAX_SAFE_INTEGER}`, 'less_than_equal');
}

/** Like {@link requireAmount}, but null when absent or null. */
export function optionalAmount(value: unknown, loc: Loc): number | null {
  return value === undefined || value === null ? null : requireAmount(value, loc);
}

/**
 * A currency, upper-cased. Null when absent, null or empty: Razorpay's own published samples send
 * `"currency": ""`, which states no currency. Any other string that is not three letters is
 * `string_pattern_mismatch`; a non-string `string_type`.
 */
export function optionalCurrency(value: unknown, loc: Loc): string | null {
  const text = optionalString(value, loc);
  if (text === null || text === '') return null;
  const code = currencyCode(text);
  if (code === null) fail(loc, "String should match pattern '^[A-Za-z]{3}$'", 'string_pattern_mismatch');
  return code;
}

/** `value` as a boolean, or null when absent or null; `bool_type` when anything else. */
export function optionalBoolean(value: unknown, loc: Loc): boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'boolean') fail(loc, 'Input should be a valid boolean', 'bool_type');
  return value as boolean;
}

/** `value` as a non-empty string (an event type); `missing`, `string_type` or `string_too_short`. */
export function requireNonEmptyString(value: unknown, loc: Loc): string {
  const text = requireString(value, loc);
  if (text === '') fail(loc, 'String should have at least 1 character', 'string_too_short');
  return text;
}

/** `value`, a string that must equal `expected` (`"event"`); `missing`, `string_type` or `literal_error`. */
export function requireLiteral(value: unknown, expected: string, loc: Loc): string {
  if (requireString(value, loc) !== expected) fail(loc, `Input should be '${expected}'`, 'literal_error');
  return expected;
}

/**
 * An amount stated in major units (rupees), as a JSON number's source text ({@link JsonNumberText},
 * Cashfree's `170.50`) or a string (PayU's and Paytm's form fields), in the currency's minor unit
 * (17050), computed from the digits (see `minorUnitsFromDecimal`). `missing` when absent;
 * `decimal_type` for another type; `decimal_parsing` for what is not a plain non-negative decimal
 * (`1e2`, `-1`, `abc`); `decimal_max_places` beyond two decimals; `less_than_equal` beyond 2^53 - 1
 * minor units.
 */
export function requireMajorUnitAmount(value: unknown, loc: Loc): number {
  if (value === undefined) fail(loc, 'Field required', 'missing');
  const text = value instanceof JsonNumberText ? value.text : value;
  if (typeof text !== 'string') fail(loc, 'Input should be a valid decimal', 'decimal_type');
  const parsed = minorUnitsFromDecimal(text as string);
  if (parsed.ok) return parsed.amount;
  switch (parsed.problem) {
    case 'too_many_decimals':
      return fail(loc, 'Decimal input should have no more than 2 decimal places', 'decimal_max_places');
    case 'too_large':
      return fail(
        loc,
        `Input should be less than or equal to ${Number.MAX_SAFE_INTEGER} minor units`,
        'less_than_equal',
      );
    default:
      return fail(loc, 'Input should be a valid decimal', 'decimal_parsing');
  }
}

/**
 * An identifier a gateway sends as a string or, in some versions, as a JSON integer (Cashfree's
 * `cf_payment_id`: `"1453002795"` or `1453002795`): the text, checked as {@link requireIdentifier}.
 */
export function requireIdentifierText(value: unknown, loc: Loc): string {
  return requireIdentifier(value instanceof JsonNumberText ? value.text : value, loc);
}

/** Like {@link requireIdentifierText}, but null when absent or null. */
export function optionalIdentifierText(value: unknown, loc: Loc): string | null {
  return value === undefined || value === null ? null : requireIdentifierText(value, loc);
}
