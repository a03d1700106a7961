import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PROVIDER_REGISTRY } from '../../src/providers/provider-registry.js';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

test('docs/providers.md and .env.example cover every registered provider: its endpoint, name and variables', () => {
  const page = read('docs/providers.md');
  const example = read('.env.example');
  for (const definition of PROVIDER_REGISTRY) {
    assert.ok(page.includes(`/v1/webhooks/${definition.name}`), `${definition.name}'s endpoint`);
    assert.ok(
      page.includes(`## ${definition.displayName}`) || page.includes(`${definition.displayName} and`),
      definition.displayName,
    );
    for (const variable of Object.keys(definition.settings.variables)) {
      assert.ok(page.includes(variable), `${variable} in docs/providers.md`);
      assert.match(example, new RegExp(`^# ${variable}=`, 'm'), `${variable} in .env.example`);
    }
  }
  assert.match(page, /proves the sender, not the body/i, "PhonePe's check is stated for what it is");
});
