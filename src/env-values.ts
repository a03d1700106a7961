import { z } from 'zod';

/**
 * Schemas of environment values, shared by the service's configuration (`config.ts`) and the
 * settings each provider declares in its own folder, so that every variable follows the same
 * rules: the empty string means unset, numbers are checked with one message, lists are
 * comma-separated.
 */

/** `schema`, or undefined when the variable is unset or blank: compose files and shells often set a variable to the empty string to mean "unset". */
export const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/** `schema` applied to the value, or to `fallback` when the variable is unset or blank. */
export const withDefault = <T extends z.ZodTypeAny>(schema: T, fallback: string) =>
  z.preprocess((v) => (v === undefined || (typeof v === 'string' && v.trim() === '') ? fallback : v), schema);

/** A number of seconds (fractions allowed) of at least `min`, default `fallback`. */
export const seconds = (fallback: number, min = 0) =>
  withDefault(
    z.coerce.number({ message: 'must be a number of seconds' }).finite().min(min, `must be at least ${min}`),
    String(fallback),
  );

/** An integer from `min` to `max`, default `fallback`. */
export const integer = (fallback: number, min: number, max: number) =>
  withDefault(
    z.coerce
      .number({ message: 'must be an integer' })
      .int('must be an integer')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
    String(fallback),
  );

/** A comma-separated list, each item trimmed, empty items dropped; undefined when unset. */
export const commaList = optional(
  z.string().transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0),
  ),
);

/** A URL whose scheme is one of `protocols` (`['https:']`), required. */
export const urlWith = (protocols: readonly string[]) =>
  z.string().refine(
    (s) => {
      try {
        return protocols.includes(new URL(s).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );

/** A URL whose scheme is one of `protocols` (`['https:']`); undefined when unset. */
export const url = (protocols: readonly string[]) => optional(urlWith(protocols));
