import type { z } from 'zod';
import { commaList } from '../env-values.js';

/**
 * A provider's settings as its folder declares them: the environment variables it reads, how each
 * is checked, and what the endpoint needs to be enabled. Configuration gathers every registered
 * provider's variables into its one schema, so a provider's settings are validated at start with
 * the rest (a bad value stops the process with one line naming the variable) without
 * `config.ts` naming any provider.
 */

/** Thrown by {@link ProviderSettings.read} for a value that cannot be used; names the variable, never its value. */
export class ProviderSettingsError extends Error {
  override readonly name = 'ProviderSettingsError';

  constructor(
    /** The variable at fault. */
    readonly variable: string,
    /** What is wrong with it, as the end of a sentence beginning with the variable's name. */
    message: string,
  ) {
    super(message);
  }
}

/** One environment variable a provider reads. */
export interface ProviderVariable {
  /** Parses and checks the raw value (a string, or undefined when unset). */
  readonly schema: z.ZodTypeAny;
  /** Secrets are never repeated, not even in a configuration error. */
  readonly secret: boolean;
  /** What to set it to, for the start log and the documentation. */
  readonly description: string;
}

/**
 * A provider's settings. `S` is what its adapter is built from; by convention its secret values
 * live under `secrets` (the list that may hold several during a rotation), which logs redact.
 */
export interface ProviderSettings<S> {
  /** Every variable read, by name. */
  readonly variables: Readonly<Record<string, ProviderVariable>>;
  /** The variables that must be set to enable the endpoint: named in its 403 and in the start log. */
  readonly enabledBy: readonly string[];
  /**
   * The settings from the parsed variables (each as its schema gave it), or null when the endpoint
   * is not configured. Throws {@link ProviderSettingsError} for values that cannot work together
   * (one of two required variables set without the other) or one that the schema cannot judge
   * alone.
   */
  read(values: Readonly<Record<string, unknown>>): S | null;
}

/** The settings of an endpoint enabled by one list of secrets. */
export interface SecretsSettings {
  /** At least one, none empty; any may match, so a secret rotates by listing the new one next to the old. */
  readonly secrets: readonly string[];
}

/** A variable holding a comma-separated list of secrets. */
export const secretListVariable = (description: string): ProviderVariable => ({
  schema: commaList,
  secret: true,
  description,
});

/**
 * Settings enabled by one comma-separated list of secrets in `variable`; `check`, when given, may
 * refuse a secret with a {@link ProviderSettingsError} message (its format, its length).
 */
export function secretsSettings(
  variable: string,
  description: string,
  check?: (secret: string) => string | null,
): ProviderSettings<SecretsSettings> {
  return {
    variables: { [variable]: secretListVariable(description) },
    enabledBy: [variable],
    read(values) {
      const secrets = (values[variable] as string[] | undefined) ?? [];
      if (secrets.length === 0) return null;
      for (const secret of secrets) {
        const problem = check?.(secret);
        if (problem) throw new ProviderSettingsError(variable, problem);
      }
      return { secrets };
    },
  };
}
