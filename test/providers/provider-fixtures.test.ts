import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { PROVIDER_REGISTRY, providerNames } from '../../src/providers/provider-registry.js';
import { fixtureBytes, fixtureNames, PROVIDER_FIXTURES } from '../helpers/provider-fixtures.js';

/** The SHA-256 the fixtures README records for each fixture, by `provider/name`. */
function recordedHashes(): Map<string, string> {
  const readme = readFileSync(new URL('README.md', PROVIDER_FIXTURES), 'utf8');
  const hashes = new Map<string, string>();
  for (const [, file, hash] of readme.matchAll(
    /^\| `([a-z]+\/[^`]+)\.(?:json|txt)` \|.*\| `([0-9a-f]{64})` \|$/gm,
  )) {
    hashes.set(file!, hash!);
  }
  return hashes;
}

describe('provider fixtures', () => {
  test('every fixture is listed in the README with its source, and its bytes have the recorded SHA-256', () => {
    const recorded = recordedHashes();
    const present = providerNames(PROVIDER_REGISTRY).flatMap((provider) =>
      fixtureNames(provider).map((name) => `${provider}/${name}`),
    );
    assert.deepEqual([...recorded.keys()].sort(), present.sort());
    for (const file of present) {
      const [provider, name] = file.split('/') as [string, string];
      const actual = createHash('sha256').update(fixtureBytes(provider, name)).digest('hex');
      assert.equal(actual, recorded.get(file), `${file} differs from the published bytes`);
    }
  });

  test("Stripe's fixtures keep Stripe's own whitespace, which no JSON serializer reproduces", () => {
    for (const name of fixtureNames('stripe')) {
      const text = fixtureBytes('stripe', name).toString('utf8');
      assert.match(text, /^\{\n {2}"id": "evt_/, name);
      // An empty object printed over two lines, at its own indentation.
      assert.match(text, /: \{\n( +)\}/, name);
      assert.ok(!text.endsWith('\n'), `${name} ends without a newline, as delivered`);
      assert.notEqual(JSON.stringify(JSON.parse(text), null, 2), text, name);
    }
  });

  test("Razorpay's fixtures are its documentation's samples, indented with two spaces", () => {
    for (const name of fixtureNames('razorpay')) {
      const text = fixtureBytes('razorpay', name).toString('utf8');
      assert.match(text, /^\{\n {2}"/, name);
      assert.ok(text.endsWith('\n}\n'), name);
    }
  });
});
