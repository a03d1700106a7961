import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Provider } from '../../src/domain/provider-event.js';

/**
 * The providers' published sample payloads under `test/fixtures/providers/`, read from the source
 * tree (the build copies no fixture): from `dist/test/helpers/` three levels up is the project.
 */
export const PROVIDER_FIXTURES = new URL('../../../test/fixtures/providers/', import.meta.url);

/**
 * The extensions fixtures have: `.json` for samples published as JSON, `.txt` for samples a
 * gateway prints in its documentation as something else (a form one field per line, a PHP array).
 */
const FIXTURE_EXTENSIONS = ['.json', '.txt'] as const;

/** The file of fixture `name` (without its extension) of `provider`. */
export function fixtureFile(provider: Provider, name: string): URL {
  for (const extension of FIXTURE_EXTENSIONS) {
    const file = new URL(`${provider}/${name}${extension}`, PROVIDER_FIXTURES);
    if (existsSync(file)) return file;
  }
  throw new Error(`no fixture ${provider}/${name}`);
}

/** The exact bytes of fixture `name` (without its extension) of `provider`. */
export const fixtureBytes = (provider: Provider, name: string): Buffer =>
  readFileSync(fixtureFile(provider, name));

/** Fixture `name` of `provider`, parsed. */
export const fixtureJson = (provider: Provider, name: string): unknown =>
  JSON.parse(fixtureBytes(provider, name).toString('utf8'));

/** Every fixture name of `provider`, sorted (none when it has no fixtures). */
export function fixtureNames(provider: Provider): string[] {
  const folder = new URL(`${provider}/`, PROVIDER_FIXTURES);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .flatMap((file) => {
      const extension = FIXTURE_EXTENSIONS.find((e) => file.endsWith(e));
      return extension ? [file.slice(0, -extension.length)] : [];
    })
    .sort();
}

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
