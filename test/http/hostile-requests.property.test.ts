import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { Agent } from 'node:http';
import { describe, type TestContext, test } from 'node:test';
import fc from 'fast-check';
import PaytmChecksum from 'paytmchecksum';
import Payu from 'payu-websdk';
import type { Provider } from '../../src/domain/provider-event.js';
import { PROVIDER_REGISTRY, providerNames } from '../../src/providers/provider-registry.js';
import { paytmSampleFields, payuSampleText } from '../helpers/gateway-deliveries.js';
import { fixtureBytes, fixtureNames } from '../helpers/provider-fixtures.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import {
  LEAK,
  razorpaySignature,
  send,
  standardWebhooksHeaders,
  storedCount,
  WEBHOOK_PATH,
} from './raw-http.js';

const RAZORPAY_SECRET = 'fuzz-razorpay-secret-3b9c';
const WHSEC = 'whsec_ZnV6ei1zdGFuZGFyZC13ZWJob29rcy1rZXk=';
const API_KEY = 'fuzz-api-key-71d2';
const BODY_LIMIT = 65_536;

// Generated requests per server. Four servers: 2,000 + 1,500 + 1,500 + 1,000 = 6,000 requests per run.
const RUNS_WITH_SECRETS = 2_000;
const RUNS_WITHOUT_SECRETS = 1_500;
const RUNS_PROVIDERS = 1_500;
const RUNS_GATEWAYS = 1_000;

// ---------------------------------------------------------------------------------------------
// Pieces of JSON text. Bodies are built as text, not serialised objects, so that they can carry
// what no serializer produces: duplicate keys, number literals like 1e400, truncation, raw bytes.
// ---------------------------------------------------------------------------------------------

/** Single characters chosen to break things: lone surrogates, NUL, bidi overrides, BOM, separators. */
const nastyChar = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.constantFrom(
    '\ud800',
    '\udfff',
    '\u0000',
    '\u001f',
    '\u202e',
    '\u200f',
    '\u2066',
    '\ufeff',
    '\u2028',
    '\u{10ffff}',
    '\u0301',
    '"',
    '\\',
    '/',
    '$',
    '%00',
    '\r\n',
  ),
);
const nastyString = fc.string({ unit: nastyChar, maxLength: 24 });

const numberText = fc.oneof(
  fc.double().map(String),
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.constantFrom(
    '1e400',
    '-1e400',
    '1e-400',
    '-0',
    '0',
    '0.0',
    '0.10000000000000001',
    '1234567890123456',
    '9007199254740993',
    '5e-324',
    '1.7976931348623157e308',
    '1.2345678901234e-320',
    '9'.repeat(400),
    `0.${'0'.repeat(300)}1`,
    '1E+2',
    '00',
    '1.',
    '.1',
    '+1',
    '0x10',
    'NaN',
    'Infinity',
    '1_000',
  ),
);

const validAmountText = fc.oneof(
  fc.integer({ min: 1, max: 1_000_000_000 }).map((cents) => String(cents / 100)),
  fc.constantFrom('0.1', '19.99', '1500.10', '1500', '123456789012.345', '1e-7', '999999999999999'),
);

/** Any value at all, as JSON text: wrong types, operator objects, deep arrays, odd strings and numbers. */
const hostileValueText: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
  nastyString.map((s) => JSON.stringify(s)),
  numberText,
  fc.constantFrom(
    '{"$ne":null}',
    '{"$gt":""}',
    '{"$where":"sleep(1000)"}',
    '{"$regex":".*"}',
    '[]',
    '{}',
    'null',
    'true',
    '"INR"',
    `"${'a'.repeat(2000)}"`,
    '"\\ud800"',
    '"\\u0000"',
  ),
  fc.integer({ min: 1, max: 200 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 1, max: 60 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
);

const keyText = fc.oneof(
  nastyString.map((k) => JSON.stringify(k)),
  fc.constantFrom(
    '"__proto__"',
    '"constructor"',
    '"prototype"',
    '"$where"',
    '"amount"',
    '"transaction_id"',
    '"\\u0061mount"',
    '""',
  ),
);

const FIELDS = ['transaction_id', 'source_account', 'destination_account', 'amount', 'currency'] as const;
const spacing = fc.constantFrom('', ' ', '\n', '\t', ' \r\n  ');
const idText = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,40}$/).map((s) => `"fz_${s}"`);

/** A webhook body in which any field may be hostile, missing or duplicated, with hostile extras. */
const mangledWebhookText = fc
  .record({
    values: fc.record({
      transaction_id: fc.oneof({ weight: 5, arbitrary: idText }, { weight: 1, arbitrary: hostileValueText }),
      source_account: fc.oneof({ weight: 5, arbitrary: fc.constant('"acc_user_789"') }, hostileValueText),
      destination_account: fc.oneof(
        { weight: 5, arbitrary: fc.constant('"acc_merchant_456"') },
        hostileValueText,
      ),
      amount: fc.oneof({ weight: 3, arbitrary: validAmountText }, numberText, hostileValueText),
      currency: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('"INR"', '"USD"') }, hostileValueText),
    }),
    extras: fc.array(fc.tuple(keyText, hostileValueText), { maxLength: 3 }),
    drop: fc.option(fc.constantFrom(...FIELDS), { freq: 6 }),
    duplicate: fc.option(fc.tuple(fc.constantFrom(...FIELDS), hostileValueText), { freq: 6 }),
    space: spacing,
  })
  .map(({ values, extras, drop, duplicate, space }) => {
    const members: string[] = [];
    for (const field of FIELDS) if (field !== drop) members.push(`"${field}":${space}${values[field]}`);
    for (const [k, v] of extras) members.push(`${k}:${v}`);
    if (duplicate) members.push(`"${duplicate[0]}":${duplicate[1]}`);
    return `${space}{${members.join(`,${space}`)}}${space}`;
  });

/** A body that must be accepted: valid fields, any layout, harmless extras with odd unicode. */
const validWebhookText = fc
  .record({
    id: idText,
    amount: validAmountText,
    currency: fc.constantFrom('"INR"', '"USD"', '"EUR"'),
    note: fc.option(fc.string({ unit: 'grapheme', maxLength: 30 }), { nil: undefined }),
    escapes: fc.option(fc.constantFrom('\\ud800', '\\u0000', '\\u202e', '\\ufeff', '\\"'), {
      nil: undefined,
    }),
    space: spacing,
  })
  .map(({ id, amount, currency, note, escapes, space }) => {
    const members = [
      `"transaction_id":${space}${id}`,
      `"source_account":"acc_user_789"`,
      `${space}"destination_account" : "acc_merchant_456"`,
      `"amount":${amount}`,
      `"currency":${currency}`,
    ];
    if (note !== undefined) members.push(`"note":${JSON.stringify(note)}`);
    if (escapes !== undefined) members.push(`"escaped":"a${escapes}b"`);
    return `${space}{${members.join(`,${space}`)}}`;
  });

/** Every kind of body, as bytes. */
const hostileBody: fc.Arbitrary<Buffer | undefined> = fc.oneof(
  { weight: 8, arbitrary: mangledWebhookText.map((t) => Buffer.from(t)) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }).map((t) => Buffer.from(t)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('[', '{"a":'), fc.integer({ min: 20, max: 20_000 }))
      .map(([open, n]) => Buffer.from(`${open.repeat(n)}1${(open === '[' ? ']' : '}').repeat(n)}`)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(mangledWebhookText, fc.nat())
      .map(([t, cut]) => Buffer.from(t.slice(0, cut % Math.max(t.length, 1)))),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(validWebhookText, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 3 }))
      .map(([t, at, bytes]) => {
        const b = Buffer.from(t);
        const i = at % b.length;
        return Buffer.concat([b.subarray(0, i), Buffer.from(bytes), b.subarray(i)]);
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(validWebhookText, fc.integer({ min: BODY_LIMIT - 2_000, max: BODY_LIMIT + 2_000 }))
      .map(([t, size]) =>
        Buffer.from(`${t.slice(0, -1)},"pad":"${'x'.repeat(Math.max(size - t.length - 10, 0))}"}`),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(undefined, Buffer.alloc(0), Buffer.from(' '), Buffer.from('null')),
  },
);

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/** How a request is signed. Only the first three carry a valid signature. */
const SIGNINGS = [
  'razorpay',
  'standard',
  'both',
  'none',
  'razorpay-other-secret',
  'razorpay-garbage',
  'standard-stale',
  'standard-future',
  'standard-other-id',
  'standard-garbage',
] as const;
type Signing = (typeof SIGNINGS)[number];
const VALID_SIGNINGS: ReadonlySet<Signing> = new Set(['razorpay', 'standard', 'both']);

const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'application/json;charset="UTF-16"',
      'APPLICATION/JSON',
      'application/jsonx',
      'application/json-seq',
      'application/vnd.api+json',
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json;;;',
      'application/json; charset=',
      ' application/json',
      '*/*',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.stringMatching(/^[\x20-\x7e]{0,40}$/) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** Header names a client may send without breaking its own connection handling. */
const headerName = fc.oneof(
  fc.constantFrom(
    'x-razorpay-event-id',
    'x-razorpay-signature',
    'webhook-id',
    'webhook-timestamp',
    'webhook-signature',
    'authorization',
    'x-request-id',
    'content-encoding',
    'expect',
    'accept',
    'accept-encoding',
    'cookie',
    'x-forwarded-for',
    'origin',
    'range',
    'if-none-match',
  ),
  fc
    .stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,30}$/)
    .filter(
      (n) =>
        ![
          'host',
          'content-length',
          'transfer-encoding',
          'connection',
          'upgrade',
          'keep-alive',
          'te',
          'trailer',
        ].includes(n.toLowerCase()),
    ),
);
// Node's client refuses control characters in values; everything else it sends as is.
const headerValue = fc.oneof(
  fc.stringMatching(/^[\t\x20-\x7e]{0,80}$/),
  fc.constantFrom(
    '',
    ' ',
    'v1,',
    'Bearer',
    `Bearer ${'a'.repeat(4000)}`,
    '100-continue',
    'gzip',
    'évt_ünïcode',
    '\xff\xfe',
  ),
);

const authorization = fc.constantFrom(
  undefined,
  `Bearer ${API_KEY}`,
  'Bearer wrong',
  'Bearer',
  `Basic ${API_KEY}`,
  `Bearer ${API_KEY} x`,
  `Bearer ${'k'.repeat(3000)}`,
);

/** A path segment: plain, percent-encoded bytes of odd strings, malformed encodings, or very long. */
const pathSegment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_.:-]{1,140}$/),
  nastyString.map((s) => [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
  fc.constantFrom('%', '%zz', '%E0%A4', '..', '.', '%2e%2e', '%2F', '__proto__', 'constructor'),
  fc.integer({ min: 100, max: 700 }).map((n) => 'a'.repeat(n)),
);
const queryString = fc.constantFrom(
  '',
  '?a=1',
  '?__proto__[polluted]=1',
  '?constructor[prototype][polluted]=1',
  '?a=1&a=2&a[]=3',
  `?q=${'x'.repeat(3000)}`,
  '?%zz',
);
const path = fc.oneof(
  { weight: 16, arbitrary: fc.constant(WEBHOOK_PATH) },
  { weight: 1, arbitrary: queryString.map((q) => `${WEBHOOK_PATH}${q}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(`${WEBHOOK_PATH}/`, WEBHOOK_PATH.toUpperCase(), `/${WEBHOOK_PATH}`, '/'),
  },
  { weight: 2, arbitrary: pathSegment.map((s) => `/v1/transactions/${s}`) },
  { weight: 1, arbitrary: pathSegment.map((s) => `/v1/transactions/${s}/retry`) },
  {
    weight: 1,
    arbitrary: fc.array(pathSegment, { minLength: 1, maxLength: 4 }).map((p) => `/${p.join('/')}`),
  },
  { weight: 1, arbitrary: fc.constantFrom('/docs', '/docs/static/..%2f..%2fpackage.json', '/openapi.json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...providerNames(PROVIDER_REGISTRY).map((name) => `/v1/webhooks/${name}`)),
  },
  { weight: 1, arbitrary: pathSegment.map((s) => `/v1/payments/${s}`) },
);
const method = fc.oneof(
  { weight: 20, arbitrary: fc.constant('POST') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'GET',
      'HEAD',
      'PUT',
      'PATCH',
      'DELETE',
      'OPTIONS',
      'TRACE',
      'PROPFIND',
      'FOO',
    ),
  },
);

interface GeneratedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  signing: Signing;
  /** A well-formed, correctly signed webhook that must answer 202. */
  mustAccept: boolean;
}

/** Builds the request; the signature is computed over the final bytes, as a provider would. */
function finish(
  parts: {
    method: string;
    path: string;
    contentType: string | undefined;
    extra: Record<string, string>;
    authorization: string | undefined;
    body: Buffer | undefined;
    signing: Signing;
    deliveryId: string;
  },
  mustAccept: boolean,
): GeneratedRequest {
  const body = parts.body ?? Buffer.alloc(0);
  const headers: Record<string, string> = { ...parts.extra };
  if (parts.contentType !== undefined) headers['content-type'] = parts.contentType;
  if (parts.authorization !== undefined) headers.authorization = parts.authorization;
  const now = Math.floor(Date.now() / 1000);
  const razorpay = (secret: string) => ({ 'x-razorpay-signature': razorpaySignature(secret, body) });
  const standard = (id: string, at = now) => standardWebhooksHeaders(WHSEC, id, body, at);
  const signed: Record<Signing, Record<string, string>> = {
    razorpay: razorpay(RAZORPAY_SECRET),
    standard: standard(parts.deliveryId),
    both: { ...razorpay(RAZORPAY_SECRET), ...standard(parts.deliveryId) },
    none: {},
    'razorpay-other-secret': razorpay(`${RAZORPAY_SECRET}x`),
    'razorpay-garbage': { 'x-razorpay-signature': body.toString('hex').slice(0, 64).padEnd(64, '0') },
    'standard-stale': standard(parts.deliveryId, now - 400),
    'standard-future': standard(parts.deliveryId, now + 400),
    'standard-other-id': { ...standard(parts.deliveryId), 'webhook-id': `${parts.deliveryId}x` },
    'standard-garbage': {
      'webhook-id': parts.deliveryId,
      'webhook-timestamp': String(now),
      'webhook-signature': `v1,${body.toString('base64').slice(0, 44)} v2,${razorpaySignature(RAZORPAY_SECRET, body)}`,
    },
  };
  Object.assign(headers, signed[parts.signing]);
  return {
    method: parts.method,
    path: parts.path,
    headers,
    body: parts.body,
    signing: parts.signing,
    mustAccept,
  };
}

const deliveryId = fc.stringMatching(/^[A-Za-z0-9_]{1,30}$/).map((s) => `evt_${s}`);

const hostileRequest = fc
  .record({
    method,
    path,
    contentType,
    extra: fc.option(fc.dictionary(headerName, headerValue, { maxKeys: 4 }), { nil: {}, freq: 2 }),
    authorization,
    body: hostileBody,
    signing: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...SIGNINGS.slice(0, 3)) },
      fc.constantFrom(...SIGNINGS),
    ),
    deliveryId,
  })
  .map((parts) => finish(parts, false));

const wellFormedRequest = fc
  .record({
    body: validWebhookText.map((t) => Buffer.from(t)),
    contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON'),
    signing: fc.constantFrom<Signing>('razorpay', 'standard', 'both'),
    deliveryId,
  })
  .map((parts) =>
    finish({ ...parts, method: 'POST', path: WEBHOOK_PATH, extra: {}, authorization: undefined }, true),
  );

const anyRequest = fc.oneof(
  { weight: 1, arbitrary: wellFormedRequest },
  { weight: 4, arbitrary: hostileRequest },
);

// ---------------------------------------------------------------------------------------------
// Provider endpoints: Razorpay's and Stripe's published samples, intact or mangled, signed or not
// ---------------------------------------------------------------------------------------------

const STRIPE_SECRET = 'whsec_ZnV6ei1zdHJpcGUtZW5kcG9pbnQtc2VjcmV0';
const STRIPE_EVENT_ID = /"id": "evt_[0-9A-Za-z]+"/;

/** How a provider delivery is signed; only `valid` carries a signature its endpoint accepts. */
const PROVIDER_SIGNINGS = ['valid', 'none', 'other-secret', 'garbage', 'stale', 'other-scheme'] as const;
type ProviderSigning = (typeof PROVIDER_SIGNINGS)[number];

/** A published sample, with a Stripe event's id replaced so that each generated event is its own. */
const providerFixture = fc
  .record({
    provider: fc.constantFrom<Provider>('razorpay', 'stripe'),
    pick: fc.nat(),
    stripeId: fc.stringMatching(/^[A-Za-z0-9]{24}$/).map((s) => `evt_${s}`),
  })
  .map(({ provider, pick, stripeId }) => {
    const names = fixtureNames(provider);
    const text = fixtureBytes(provider, names[pick % names.length]!).toString('utf8');
    return {
      provider,
      text: provider === 'stripe' ? text.replace(STRIPE_EVENT_ID, `"id": "${stripeId}"`) : text,
    };
  });

/** Mangles a sample: a hostile value for a field it carries, an extra or duplicate key, bytes or a cut. */
const mangledFixture = fc
  .record({
    fixture: providerFixture,
    field: fc.constantFrom(
      'amount',
      'currency',
      'id',
      'event',
      'type',
      'entity',
      'object',
      'payload',
      'data',
      'status',
    ),
    value: hostileValueText,
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
    how: fc.constantFrom('field', 'duplicate', 'bytes', 'cut', 'proto'),
  })
  .map(({ fixture, field, value, at, bytes, how }) => {
    const { text } = fixture;
    let mangled: Buffer;
    switch (how) {
      case 'field':
        mangled = Buffer.from(text.replace(new RegExp(`"${field}": [^,\\n]+`), `"${field}": ${value}`));
        break;
      case 'duplicate':
        mangled = Buffer.from(text.replace('{', `{"${field}": ${value},`));
        break;
      case 'proto':
        mangled = Buffer.from(text.replace('{', `{"__proto__": {"polluted": ${value}},`));
        break;
      case 'bytes': {
        const b = Buffer.from(text);
        const i = at % b.length;
        mangled = Buffer.concat([b.subarray(0, i), Buffer.from(bytes), b.subarray(i)]);
        break;
      }
      case 'cut':
        mangled = Buffer.from(text.slice(0, at % text.length));
        break;
    }
    return { provider: fixture.provider, body: mangled };
  });

const providerEventId = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z0-9]{14}$/) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: headerValue },
);

interface ProviderDelivery extends GeneratedRequest {
  provider: Provider;
  /** True when the signature is one its endpoint must accept (Razorpay signs no timestamp: never stale). */
  signedValidly: boolean;
}

function signProvider(
  provider: Provider,
  body: Buffer,
  signing: ProviderSigning,
  now = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const stripe = (secret: string, at: number) => ({
    'stripe-signature': `t=${at},v1=${createHmac('sha256', secret).update(`${at}.`).update(body).digest('hex')}`,
  });
  if (signing === 'none') return {};
  if (provider === 'razorpay') {
    switch (signing) {
      // Razorpay signs no timestamp: what is stale for Stripe is a valid signature here.
      case 'valid':
      case 'stale':
        return { 'x-razorpay-signature': razorpaySignature(RAZORPAY_SECRET, body) };
      case 'other-secret':
        return { 'x-razorpay-signature': razorpaySignature(`${RAZORPAY_SECRET}x`, body) };
      case 'garbage':
        return { 'x-razorpay-signature': body.toString('hex').slice(0, 64).padEnd(64, 'f') };
      case 'other-scheme':
        return stripe(RAZORPAY_SECRET, now);
    }
  }
  switch (signing) {
    case 'valid':
      return stripe(STRIPE_SECRET, now);
    case 'stale':
      return stripe(STRIPE_SECRET, now - 301);
    case 'other-secret':
      return stripe(`${STRIPE_SECRET}x`, now);
    case 'garbage':
      return { 'stripe-signature': `t=${now},v1=${body.toString('hex').slice(0, 64).padEnd(64, '0')},v0=x` };
    case 'other-scheme':
      return { 'x-razorpay-signature': razorpaySignature(STRIPE_SECRET, body) };
  }
}

const providerDelivery = fc
  .record({
    sample: fc.oneof(
      {
        weight: 3,
        arbitrary: providerFixture.map(({ provider, text }) => ({
          provider,
          body: Buffer.from(text),
          intact: true,
        })),
      },
      { weight: 3, arbitrary: mangledFixture.map((m) => ({ ...m, intact: false })) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.constantFrom<Provider>('razorpay', 'stripe'), hostileBody)
          .map(([provider, body]) => ({ provider, body: body ?? Buffer.alloc(0), intact: false })),
      },
    ),
    signing: fc.oneof(
      { weight: 4, arbitrary: fc.constant<ProviderSigning>('valid') },
      fc.constantFrom(...PROVIDER_SIGNINGS),
    ),
    eventId: providerEventId,
    contentType: fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, contentType),
    extra: fc.option(fc.dictionary(headerName, headerValue, { maxKeys: 3 }), { nil: {}, freq: 3 }),
  })
  .map(({ sample, signing, eventId, contentType: type, extra }): ProviderDelivery => {
    const headers: Record<string, string> = { ...extra };
    if (type !== undefined) headers['content-type'] = type;
    if (eventId !== undefined) headers['x-razorpay-event-id'] = eventId;
    Object.assign(headers, signProvider(sample.provider, sample.body, signing));
    const signedValidly = signing === 'valid' || (signing === 'stale' && sample.provider === 'razorpay');
    const validId =
      sample.provider === 'stripe' || (eventId !== undefined && /^[A-Za-z0-9]{14}$/.test(eventId));
    return {
      method: 'POST',
      path: `/v1/webhooks/${sample.provider}`,
      headers,
      body: sample.body,
      signing: 'none',
      provider: sample.provider,
      signedValidly,
      mustAccept:
        sample.intact &&
        signedValidly &&
        validId &&
        type !== undefined &&
        /^application\/json(; charset=utf-8)?$/i.test(type) &&
        !Object.keys(extra).some((k) => ['content-encoding', 'expect'].includes(k.toLowerCase())),
    };
  });

// ---------------------------------------------------------------------------------------------
// The Indian gateways' endpoints: their published samples, each made its own event, intact or
// mangled, signed as the gateway signs (with its own library where it signs synchronously) or not
// ---------------------------------------------------------------------------------------------

const CASHFREE_SECRET = 'fuzz-cashfree-client-secret-6d1e';
const PAYU_KEY = 'rZ1fX4';
const PAYU_SALT = 'fuzz-payu-salt-08a3';
const PHONEPE_CREDENTIAL = 'fuzz_user:FuzzPassw0rd1';
const PAYTM_KEY = 'fuzzPaytmKey1234';

const GATEWAYS = ['cashfree', 'payu', 'phonepe', 'paytm'] as const;
type Gateway = (typeof GATEWAYS)[number];
const FORM_GATEWAYS: ReadonlySet<Gateway> = new Set(['payu', 'paytm']);

/** The published samples as they travel, each with a placeholder where its payment's id goes. */
const GATEWAY_SAMPLES: Record<Gateway, string[]> = {
  cashfree: fixtureNames('cashfree').map((n) =>
    fixtureBytes('cashfree', n)
      .toString('utf8')
      .replace(/"cf_payment_id":\s*"\d+"/, (m) => m.replace(/\d+/, '@ID@')),
  ),
  payu: fixtureNames('payu').map((n) => payuSampleText(n).replace(/^mihpayid=\d+/, 'mihpayid=@ID@')),
  phonepe: fixtureNames('phonepe').map((n) =>
    fixtureBytes('phonepe', n)
      .toString('utf8')
      .replace(/"orderId": "OMO\d+"/, '"orderId": "OMO@ID@"'),
  ),
  paytm: fixtureNames('paytm').map((n) =>
    new URLSearchParams(paytmSampleFields(n).filter(([f]) => f !== 'CHECKSUMHASH'))
      .toString()
      .replace(/TXNID=\w+/, 'TXNID=@ID@'),
  ),
};

const GATEWAY_FIELDS: Record<Gateway, string[]> = {
  cashfree: ['payment_amount', 'cf_payment_id', 'payment_status', 'type', 'data', 'payment_currency'],
  payu: ['amount', 'mihpayid', 'status', 'key', 'hash', 'udf1', 'additionalCharges'],
  phonepe: ['amount', 'orderId', 'state', 'event', 'payload', 'currency', 'merchantId'],
  paytm: ['TXNAMOUNT', 'TXNID', 'STATUS', 'CURRENCY', 'MID', 'CHECKSUMHASH'],
};

/** Every UTF-8 byte of `text` percent-encoded (a lone surrogate becomes U+FFFD's bytes, as it would on the wire). */
const percentEncoded = (text: string) =>
  [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/** A hostile form value: percent-encoded odd strings and numbers, or raw characters a form reserves. */
const formValueText = fc.oneof(
  nastyString.map(percentEncoded),
  numberText.map(percentEncoded),
  fc.constantFrom('', '+', '%', '%zz', '%E0%A4', '=', '&', '&&', '1e2', '170.505', '-1', '1.00', '%00'),
);

/** A sample with its payment's id filled in, intact or mangled. */
const gatewaySample = fc
  .record({
    gateway: fc.constantFrom(...GATEWAYS),
    pick: fc.nat(),
    id: fc.bigInt({ min: 10n ** 11n, max: 10n ** 15n }).map(String),
    mangle: fc.option(
      fc.record({
        field: fc.nat(),
        json: hostileValueText,
        form: formValueText,
        at: fc.nat(),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
        how: fc.constantFrom('field', 'duplicate', 'bytes', 'cut', 'proto'),
      }),
      { freq: 2 },
    ),
  })
  .map(({ gateway, pick, id, mangle }) => {
    const samples = GATEWAY_SAMPLES[gateway];
    const text = samples[pick % samples.length]!.replace('@ID@', id);
    if (mangle === null) return { gateway, body: Buffer.from(text), intact: true };
    const fields = GATEWAY_FIELDS[gateway];
    const field = fields[mangle.field % fields.length]!;
    const form = FORM_GATEWAYS.has(gateway);
    let body: Buffer;
    switch (mangle.how) {
      case 'field':
        body = Buffer.from(
          form
            ? text.replace(new RegExp(`(^|&)${field}=[^&]*`), `$1${field}=${mangle.form}`)
            : text.replace(new RegExp(`"${field}":\\s*[^,\\n]+`), `"${field}": ${mangle.json}`),
        );
        break;
      case 'duplicate':
        body = Buffer.from(
          form ? `${text}&${field}=${mangle.form}` : text.replace('{', `{"${field}": ${mangle.json},`),
        );
        break;
      case 'proto':
        body = Buffer.from(
          form ? `__proto__=${mangle.form}&${text}` : text.replace('{', '{"__proto__": {"polluted": 1},'),
        );
        break;
      case 'bytes': {
        const b = Buffer.from(text);
        const i = mangle.at % b.length;
        body = Buffer.concat([b.subarray(0, i), Buffer.from(mangle.bytes), b.subarray(i)]);
        break;
      }
      case 'cut':
        body = Buffer.from(text.slice(0, mangle.at % text.length));
        break;
    }
    return { gateway, body, intact: false };
  });

const GATEWAY_SIGNINGS = ['valid', 'none', 'other-secret', 'garbage', 'other-scheme'] as const;
type GatewaySigning = (typeof GATEWAY_SIGNINGS)[number];

/** A form's fields as its gateway reads them to sign (the last copy of a repeated field, as an object does). */
const fieldsOf = (body: Buffer) => Object.fromEntries(new URLSearchParams(body.toString('utf8')));

/** Signs `body` as `gateway` does (or not): headers to send, and for forms the body with its signature field. */
function signGateway(
  gateway: Gateway,
  body: Buffer,
  signing: GatewaySigning,
): { body: Buffer; headers: Record<string, string> } {
  const now = String(Date.now());
  const cashfree = (secret: string) => ({
    'x-webhook-timestamp': now,
    'x-webhook-signature': createHmac('sha256', secret).update(now).update(body).digest('base64'),
  });
  const phonepe = (credential: string) => ({
    authorization: sha256Hex(credential),
  });
  const payu = (salt: string) => {
    const { hash: _, ...fields } = fieldsOf(body);
    const hash = new Payu({ key: PAYU_KEY, salt }, 'TEST').hasher.generateResponseHash(fields);
    return Buffer.from(`${body.toString('utf8').replace(/(^|&)hash=[^&]*/, '')}&hash=${hash}`);
  };
  const paytm = (key: string) => {
    const { CHECKSUMHASH: _, ...fields } = fieldsOf(body);
    const checksum = PaytmChecksum.calculateChecksum(PaytmChecksum.getStringByParams(fields), key, 'fz01');
    return Buffer.from(`${body.toString('utf8')}&CHECKSUMHASH=${encodeURIComponent(checksum)}`);
  };
  if (signing === 'none') return { body, headers: {} };
  switch (gateway) {
    case 'cashfree':
      if (signing === 'valid') return { body, headers: cashfree(CASHFREE_SECRET) };
      if (signing === 'other-secret') return { body, headers: cashfree(`${CASHFREE_SECRET}x`) };
      if (signing === 'garbage')
        return { body, headers: { 'x-webhook-timestamp': now, 'x-webhook-signature': `${'x'.repeat(43)}=` } };
      return { body, headers: phonepe(PHONEPE_CREDENTIAL) };
    case 'phonepe':
      if (signing === 'valid') return { body, headers: phonepe(PHONEPE_CREDENTIAL) };
      if (signing === 'other-secret') return { body, headers: phonepe(`${PHONEPE_CREDENTIAL}x`) };
      if (signing === 'garbage')
        return {
          body,
          headers: { authorization: `Basic ${Buffer.from(PHONEPE_CREDENTIAL).toString('base64')}` },
        };
      return { body, headers: cashfree(CASHFREE_SECRET) };
    case 'payu':
      if (signing === 'valid') return { body: payu(PAYU_SALT), headers: {} };
      if (signing === 'other-secret') return { body: payu(`${PAYU_SALT}x`), headers: {} };
      if (signing === 'garbage') return { body: Buffer.from(`${body}&hash=${'f'.repeat(127)}`), headers: {} };
      return { body: paytm(PAYTM_KEY), headers: {} };
    case 'paytm':
      if (signing === 'valid') return { body: paytm(PAYTM_KEY), headers: {} };
      if (signing === 'other-secret') return { body: paytm('otherPaytmKey123'), headers: {} };
      if (signing === 'garbage')
        return { body: Buffer.from(`${body}&CHECKSUMHASH=${'A'.repeat(64)}`), headers: {} };
      return { body: payu(PAYU_SALT), headers: {} };
  }
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

const gatewayDelivery = fc
  .record({
    sample: gatewaySample,
    signing: fc.oneof(
      { weight: 4, arbitrary: fc.constant<GatewaySigning>('valid') },
      fc.constantFrom(...GATEWAY_SIGNINGS),
    ),
    contentType: fc.oneof(
      { weight: 6, arbitrary: fc.constant<string | undefined>('right') },
      fc.constantFrom('application/x-www-form-urlencoded; charset=utf-8', 'application/json; charset=utf-8'),
      contentType,
    ),
    extra: fc.option(fc.dictionary(headerName, headerValue, { maxKeys: 3 }), { nil: {}, freq: 3 }),
  })
  .map(({ sample, signing, contentType: type, extra }): ProviderDelivery => {
    const form = FORM_GATEWAYS.has(sample.gateway);
    const right = form ? 'application/x-www-form-urlencoded' : 'application/json';
    const signed = signGateway(sample.gateway, sample.body, signing);
    const headers: Record<string, string> = { ...extra };
    const resolved = type === 'right' ? right : type;
    if (resolved !== undefined) headers['content-type'] = resolved;
    Object.assign(headers, signed.headers);
    return {
      method: 'POST',
      path: `/v1/webhooks/${sample.gateway}`,
      headers,
      body: signed.body,
      signing: 'none',
      provider: sample.gateway,
      signedValidly: signing === 'valid',
      mustAccept:
        sample.intact &&
        signing === 'valid' &&
        resolved !== undefined &&
        new RegExp(`^${right}(; charset=utf-8)?$`, 'i').test(resolved) &&
        !Object.keys(extra).some((k) => ['content-encoding', 'expect'].includes(k.toLowerCase())),
    };
  });

// ---------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------

async function fuzz(
  t: TestContext,
  env: Record<string, string>,
  numRuns: number,
  requests: fc.Arbitrary<GeneratedRequest> = anyRequest,
) {
  const verifying = env.WEBHOOK_SECRETS !== undefined;
  const rt = await startTestRuntime(t, { PROCESS_DELAY_SECONDS: '0.05', ...env });
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  t.after(() => agent.destroy());
  const accepted = new Set<string>();
  const statuses = new Map<number, number>();
  let sent = 0;

  await fc.assert(
    fc.asyncProperty(requests, async (req) => {
      sent++;
      const res = await send(rt.url, { ...req, agent });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const where = `${req.method} ${req.path.slice(0, 80)} [${req.signing}] -> ${res.status} ${res.text.slice(0, 200)}`;

      assert.ok(res.status >= 200 && res.status < 500, `5xx or no status: ${where}`);
      assert.doesNotMatch(res.text, LEAK, `internals leaked: ${where}`);
      for (const secret of [
        RAZORPAY_SECRET,
        WHSEC,
        API_KEY,
        STRIPE_SECRET,
        CASHFREE_SECRET,
        PAYU_SALT,
        PHONEPE_CREDENTIAL,
        PAYTM_KEY,
      ]) {
        assert.ok(!res.text.includes(secret), where);
      }
      if (res.status >= 400 && req.method !== 'HEAD') {
        const detail = (res.json as { detail?: unknown } | undefined)?.detail;
        assert.ok(typeof detail === 'string' || Array.isArray(detail), `not the error shape: ${where}`);
      }
      if (req.mustAccept) assert.equal(res.status, 202, `a valid signed webhook was refused: ${where}`);
      if (res.status === 202) {
        if ('provider' in req) {
          assert.ok((req as ProviderDelivery).signedValidly, `accepted without a valid signature: ${where}`);
        } else {
          assert.ok(req.method === 'POST' && req.path.startsWith(WEBHOOK_PATH), where);
          if (verifying)
            assert.ok(VALID_SIGNINGS.has(req.signing), `accepted without a valid signature: ${where}`);
        }
        accepted.add((res.json as { transaction_id: string }).transaction_id);
      }
    }),
    { numRuns, endOnFailure: true },
  );

  // Nothing refused was stored: the store holds exactly the distinct ids that were acknowledged.
  assert.equal(await storedCount(rt.store), accepted.size);
  assert.ok(accepted.size >= numRuns / 10, `too few accepted (${accepted.size}) to exercise the store`);
  const health = await send(rt.url, { path: '/', agent });
  assert.equal(health.status, 200);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype polluted');
  t.diagnostic(
    `${sent} requests, ${accepted.size} stored; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
  );
}

describe('hostile requests (property-based)', () => {
  test(`with WEBHOOK_SECRETS and API_KEYS: ${RUNS_WITH_SECRETS} requests, no 5xx, nothing stored unless acknowledged`, async (t) => {
    await fuzz(t, { WEBHOOK_SECRETS: `${RAZORPAY_SECRET},${WHSEC}`, API_KEYS: API_KEY }, RUNS_WITH_SECRETS);
  });

  test(`without secrets or keys: ${RUNS_WITHOUT_SECRETS} requests, no 5xx, nothing stored unless acknowledged`, async (t) => {
    await fuzz(t, {}, RUNS_WITHOUT_SECRETS);
  });

  test(`Razorpay and Stripe endpoints: ${RUNS_PROVIDERS} deliveries of their samples, intact or mangled, no 5xx, nothing stored unless acknowledged`, async (t) => {
    await fuzz(
      t,
      { RAZORPAY_WEBHOOK_SECRETS: RAZORPAY_SECRET, STRIPE_WEBHOOK_SECRETS: STRIPE_SECRET, API_KEYS: API_KEY },
      RUNS_PROVIDERS,
      fc.oneof({ weight: 4, arbitrary: providerDelivery }, { weight: 1, arbitrary: hostileRequest }),
    );
  });

  test(`Cashfree, PayU, PhonePe and Paytm endpoints: ${RUNS_GATEWAYS} deliveries of their samples, intact or mangled, no 5xx, nothing stored unless acknowledged`, async (t) => {
    await fuzz(
      t,
      {
        CASHFREE_WEBHOOK_SECRETS: CASHFREE_SECRET,
        PAYU_MERCHANT_KEY: PAYU_KEY,
        PAYU_MERCHANT_SALTS: PAYU_SALT,
        PHONEPE_WEBHOOK_CREDENTIALS: PHONEPE_CREDENTIAL,
        PAYTM_MERCHANT_KEYS: PAYTM_KEY,
        API_KEYS: API_KEY,
      },
      RUNS_GATEWAYS,
      fc.oneof({ weight: 6, arbitrary: gatewayDelivery }, { weight: 1, arbitrary: hostileRequest }),
    );
  });
});
