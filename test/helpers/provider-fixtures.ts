import { readdirSync, readFileSync } from 'node:fs';
import type { Provider } from '../../src/domain/provider-event.js';

/**
 * The providers' published sample payloads under `test/fixtures/providers/`, read from the source
 * tree (the build copies no fixture): from `dist/test/helpers/` three levels up is the project.
 */
export const PROVIDER_FIXTURES = new URL('../../../test/fixtures/providers/', import.meta.url);

/** The exact bytes of fixture `name` (without `.json`) of `provider`. */
export const fixtureBytes = (provider: Provider, name: string): Buffer =>
  readFileSync(new URL(`${provider}/${name}.json`, PROVIDER_FIXTURES));

/** Fixture `name` of `provider`, parsed. */
export const fixtureJson = (provider: Provider, name: string): unknown =>
  JSON.parse(fixtureBytes(provider, name).toString('utf8'));

/** Every fixture name of `provider`, sorted. */
export const fixtureNames = (provider: Provider): string[] =>
  readdirSync(new URL(`${provider}/`, PROVIDER_FIXTURES))
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();

/**
 * A copy of `value` (parsed JSON) with each field named by a dotted path (`payload.payment.entity.amount`)
 * set to its replacement, or deleted when the replacement is `undefined`.
 */
export function withFields(value: unknown, fields: Record<string, unknown>): unknown {
  const copy = structuredClone(value);
  for (const [path, replacement] of Object.entries(fields)) {
    const keys = path.split('.');
    const last = keys.pop()!;
    let target = copy as Record<string, unknown>;
    for (const key of keys) target = target[key] as Record<string, unknown>;
    if (replacement === undefined) delete target[last];
    else target[last] = replacement;
  }
  return copy;
}
