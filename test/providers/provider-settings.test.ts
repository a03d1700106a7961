import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { checkRegistry, PROVIDER_REGISTRY } from '../../src/providers/provider-registry.js';
import { razorpayDefinition } from '../../src/providers/razorpay/razorpay-definition.js';

const refused = (env: Record<string, string>, variable: string, secret?: string) =>
  assert.throws(
    () => loadConfig(env, 'all'),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.variable === variable &&
      (secret === undefined || !error.message.includes(secret)),
    JSON.stringify(env),
  );

test("the Indian gateways' settings are read and checked with the rest of the configuration", () => {
  const config = loadConfig(
    {
      CASHFREE_WEBHOOK_SECRETS: 'cf_new, cf_old',
      PAYU_MERCHANT_KEY: 'rZ1fX4',
      PAYU_MERCHANT_SALTS: 'salt1,salt2',
      PHONEPE_WEBHOOK_CREDENTIALS: 'webhook_user:Passw0rd2026',
      PAYTM_MERCHANT_KEYS: 'kbzk1DSbJiV_O3p5',
    },
    'all',
  );
  assert.deepEqual(config.providers.cashfree, { secrets: ['cf_new', 'cf_old'] });
  assert.deepEqual(config.providers.payu, { merchantKey: 'rZ1fX4', secrets: ['salt1', 'salt2'] });
  assert.deepEqual(config.providers.phonepe, { secrets: ['webhook_user:Passw0rd2026'] });
  assert.deepEqual(config.providers.paytm, { secrets: ['kbzk1DSbJiV_O3p5'] });
  assert.equal(loadConfig({ CASHFREE_WEBHOOK_SECRETS: ' , ' }, 'all').providers.cashfree, null);

  refused({ PAYU_MERCHANT_KEY: 'rZ1fX4' }, 'PAYU_MERCHANT_SALTS');
  refused({ PAYU_MERCHANT_SALTS: 's3cretsalt' }, 'PAYU_MERCHANT_KEY', 's3cretsalt');
  refused({ PAYU_MERCHANT_KEY: 'a|b', PAYU_MERCHANT_SALTS: 's' }, 'PAYU_MERCHANT_KEY');
  refused({ PAYTM_MERCHANT_KEYS: 'tooShortKey123' }, 'PAYTM_MERCHANT_KEYS', 'tooShortKey123');
  refused({ PHONEPE_WEBHOOK_CREDENTIALS: 'justapassword' }, 'PHONEPE_WEBHOOK_CREDENTIALS', 'justapassword');
  refused({ PHONEPE_WEBHOOK_CREDENTIALS: 'user:' }, 'PHONEPE_WEBHOOK_CREDENTIALS');
});

test('a registry refuses names that cannot be path segments, a name twice, and a variable read by two providers', () => {
  checkRegistry(PROVIDER_REGISTRY);
  assert.throws(() => checkRegistry([{ ...razorpayDefinition, name: 'Razor Pay' }]), /invalid provider name/);
  assert.throws(() => checkRegistry([razorpayDefinition, razorpayDefinition]), /registered twice/);
  assert.throws(
    () => checkRegistry([razorpayDefinition, { ...razorpayDefinition, name: 'other' }]),
    /RAZORPAY_WEBHOOK_SECRETS is read by both/,
  );
});
