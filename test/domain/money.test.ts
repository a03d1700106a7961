import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { minorUnitsFromDecimal } from '../../src/domain/money.js';

test('rupee decimals become paise from their digits', () => {
  const cases: Array<[string, number]> = [
    ['170.50', 17050],
    ['170.5', 17050],
    ['0.10', 10],
    ['0.1', 10],
    ['1.8', 180],
    ['2', 200],
    ['0', 0],
    ['0.00', 0],
    ['19.99', 1999],
    ['0.29', 29],
    ['1.15', 115],
    ['40.00', 4000],
    ['90071992547409.91', 9007199254740991],
  ];
  for (const [text, paise] of cases)
    assert.deepEqual(minorUnitsFromDecimal(text), { ok: true, amount: paise }, text);
  // Through a double these are off by one: 19.99 * 100 = 1998.9999999999998, 1.15 * 100 = 114.99999999999999.
  assert.notEqual(Math.trunc(19.99 * 100), 1999);
});

test('anything but a plain decimal of at most two places is refused, and says why', () => {
  const refused: Array<[string, string]> = [
    ['170.505', 'too_many_decimals'],
    ['1.000', 'too_many_decimals'],
    ['1e2', 'not_a_decimal'],
    ['-1', 'not_a_decimal'],
    ['+1', 'not_a_decimal'],
    ['.5', 'not_a_decimal'],
    ['5.', 'not_a_decimal'],
    ['05', 'not_a_decimal'],
    [' 5', 'not_a_decimal'],
    ['5 ', 'not_a_decimal'],
    ['1,000.00', 'not_a_decimal'],
    ['NaN', 'not_a_decimal'],
    ['', 'not_a_decimal'],
    ['٥', 'not_a_decimal'],
    ['90071992547409.92', 'too_large'],
    ['9'.repeat(400), 'too_large'],
  ];
  for (const [text, problem] of refused)
    assert.deepEqual(minorUnitsFromDecimal(text), { ok: false, problem }, text);
  assert.deepEqual(
    minorUnitsFromDecimal('1.005', 3),
    { ok: true, amount: 1005 },
    "a three-decimal currency's digits",
  );
  assert.deepEqual(minorUnitsFromDecimal('500', 0), { ok: true, amount: 500 }, 'a zero-decimal currency');
});

test('every amount of paise written in rupees reads back as itself', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.boolean(), (paise, short) => {
      const rupees = `${Math.floor(paise / 100)}.${String(paise % 100).padStart(2, '0')}`;
      // Also as gateways shorten it: 170.5, 2.
      const text = short ? rupees.replace(/\.?0+$/, '') || '0' : rupees;
      assert.deepEqual(minorUnitsFromDecimal(text), { ok: true, amount: paise }, text);
    }),
    { numRuns: 2000 },
  );
});
