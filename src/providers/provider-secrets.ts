/**
 * Checks a provider's configured webhook secrets: at least one, none empty (an empty HMAC key is
 * one anybody can sign with). Throws a `RangeError` that names `variable`, never a secret.
 * Configuration validates the same first, so this guards callers that build a provider directly.
 */
export function requireSecrets(secrets: readonly string[], variable: string): void {
  if (secrets.length === 0) throw new RangeError(`${variable} must list at least one secret`);
  if (secrets.some((secret) => secret.length === 0)) throw new RangeError(`${variable} has an empty secret`);
}
