/**
 * Amounts as payment providers state them: an integer count of the currency's minor unit (paise,
 * cents; a whole yen for JPY, a fils for the three-decimal BHD), never a decimal. Only integers
 * that a double holds exactly are amounts: beyond 2^53 - 1 two different amounts would compare
 * equal, and refunds are summed and compared with the payment's amount.
 */
export function isMinorUnitAmount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

const ISO_4217 = /^[A-Za-z]{3}$/;

/**
 * The ISO 4217 code `code` names, upper-case (Stripe sends `usd`, Razorpay `INR`); null when
 * `code` is not three ASCII letters.
 */
export function currencyCode(code: string): string | null {
  return ISO_4217.test(code) ? code.toUpperCase() : null;
}

/**
 * How many decimal places the currencies without their own rule have: paise, cents. Gateways that
 * state amounts in major units (Cashfree, PayU and Paytm send rupees) send INR.
 */
export const DEFAULT_MINOR_UNIT_DIGITS = 2;

/** Why a decimal is not an amount in major units: see {@link minorUnitsFromDecimal}. */
export type DecimalAmountProblem = 'not_a_decimal' | 'too_many_decimals' | 'too_large';

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/**
 * An amount written in major units (`"170.50"` rupees, as a gateway's JSON number or form text
 * states it) as the integer count of minor units (17050 paise), computed from the digits of the
 * text, never through a float: `170.50 * 100` is 17050.000000000002 and `19.99 * 100` is
 * 1998.9999999999998 in binary floating point. `digits` is the currency's number of decimal places
 * (default {@link DEFAULT_MINOR_UNIT_DIGITS}).
 *
 * Accepts a non-negative decimal with at most `digits` places and no sign, exponent, leading
 * zero or spaces (`0.10`, `1.8`, `2`, `170.50`). Otherwise the problem: `not_a_decimal` (`1e2`,
 * `-5`, `.5`, `5.`, `05`, `abc`, empty), `too_many_decimals` (`1.005`, and `1.000` too: the
 * places beyond the currency's are not a rounding question to settle here), `too_large` (beyond
 * 2^53 - 1 minor units, which a double no longer holds exactly).
 */
export function minorUnitsFromDecimal(
  text: string,
  digits = DEFAULT_MINOR_UNIT_DIGITS,
): { ok: true; amount: number } | { ok: false; problem: DecimalAmountProblem } {
  const match = DECIMAL.exec(text);
  if (!match) return { ok: false, problem: 'not_a_decimal' };
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return { ok: false, problem: 'too_many_decimals' };
  // Whole units and places side by side are the count of minor units: "170" + "50" = 17050.
  const minor = BigInt(match[1]! + fraction.padEnd(digits, '0'));
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, problem: 'too_large' };
  return { ok: true, amount: Number(minor) };
}
