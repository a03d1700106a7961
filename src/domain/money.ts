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
