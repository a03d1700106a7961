import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_JSON_DEPTH } from '../../src/http/json-body.js';
import { uniqueId } from '../helpers/sample-transaction.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import {
  LEAK,
  type RawResponse,
  razorpaySignature,
  send,
  sendBytes,
  storedCount,
  WEBHOOK_PATH,
} from './raw-http.js';

const JSON_TYPE = { 'content-type': 'application/json' };

/** A valid webhook body as text, with `extra` spliced in before the closing brace. */
const validBody = (id: string, extra = '') =>
  `{"transaction_id":"${id}","source_account":"acc_user_789","destination_account":"acc_merchant_456","amount":1500,"currency":"INR"${extra}}`;

/**
 * {@link validBody} with the amount's text replaced. Matched with its key: a bare '1500' also occurs
 * now and then inside a random id, and replacing it there sent a valid body under another id.
 */
const withAmount = (id: string, amount: string) =>
  validBody(id).replace('"amount":1500', `"amount":${amount}`);

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

interface Case {
  name: string;
  status: number;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** A function of a fresh transaction id, so a wrongly accepted case would be found in the store. */
  body?: (id: string) => string | Buffer;
}

const CASES: Case[] = [
  // Content types: JSON as UTF-8, nothing else.
  { name: 'text/plain', status: 415, headers: { 'content-type': 'text/plain' }, body: validBody },
  {
    name: 'application/jsonx',
    status: 415,
    headers: { 'content-type': 'application/jsonx' },
    body: validBody,
  },
  {
    name: 'application/json-patch+json',
    status: 415,
    headers: { 'content-type': 'application/json-patch+json' },
    body: validBody,
  },
  {
    name: 'form encoded',
    status: 415,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: () => 'transaction_id=a',
  },
  { name: 'no content type', status: 415, headers: {}, body: validBody },
  {
    name: 'charset latin1',
    status: 415,
    headers: { 'content-type': 'application/json; charset=latin1' },
    body: validBody,
  },
  {
    name: 'charset utf-16',
    status: 415,
    headers: { 'content-type': 'application/json;charset="UTF-16"' },
    body: validBody,
  },
  {
    name: 'gzip encoding',
    status: 415,
    headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
    body: validBody,
  },
  {
    name: 'charset "UTF-8" quoted',
    status: 202,
    headers: { 'content-type': 'application/json; charset="UTF-8"' },
    body: validBody,
  },
  {
    name: 'upper-case media type',
    status: 202,
    headers: { 'content-type': 'APPLICATION/JSON' },
    body: validBody,
  },
  // Bytes that are not UTF-8.
  {
    name: 'byte 0xff',
    status: 400,
    headers: JSON_TYPE,
    body: (id) =>
      Buffer.concat([Buffer.from(validBody(id).slice(0, -1)), Buffer.from(',"x":"\xff"}', 'latin1')]),
  },
  {
    name: 'overlong "/" (C0 AF)',
    status: 400,
    headers: JSON_TYPE,
    body: (id) =>
      Buffer.concat([
        Buffer.from(validBody(id).slice(0, -1)),
        Buffer.from([0x2c, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]),
      ]),
  },
  {
    name: 'UTF-8 encoded lone surrogate (ED A0 80)',
    status: 400,
    headers: JSON_TYPE,
    body: (id) =>
      Buffer.concat([
        Buffer.from(validBody(id).slice(0, -1)),
        Buffer.from([0x2c, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
      ]),
  },
  // Unicode that is valid JSON: accepted in free fields, refused in identifiers.
  {
    name: 'escaped lone surrogate in an extra field',
    status: 202,
    headers: JSON_TYPE,
    body: (id) => validBody(id, ',"note":"\\ud800 \\udfff"'),
  },
  {
    name: 'escaped NUL, RTL override, BOM in an extra field',
    status: 202,
    headers: JSON_TYPE,
    body: (id) => validBody(id, ',"note":"\\u0000 \u202e \ufeff \u2028"'),
  },
  {
    name: 'raw NUL inside a string',
    status: 400,
    headers: JSON_TYPE,
    body: (id) => validBody(id, ',"note":"\u0000"'),
  },
  {
    name: 'RTL override in transaction_id',
    status: 422,
    headers: JSON_TYPE,
    body: (id) => validBody(id).replace(id, `${id}\u202e`),
  },
  {
    name: 'escaped NUL in transaction_id',
    status: 422,
    headers: JSON_TYPE,
    body: (id) => validBody(id).replace(id, `${id}\\u0000`),
  },
  {
    name: 'fullwidth digits in currency',
    status: 422,
    headers: JSON_TYPE,
    body: (id) => validBody(id).replace('"INR"', '"ＩＮＲ"'),
  },
  // Structure.
  {
    name: `nesting of ${MAX_JSON_DEPTH} levels`,
    status: 202,
    headers: JSON_TYPE,
    body: (id) => validBody(id, `,"x":${nested(MAX_JSON_DEPTH - 1)}`),
  },
  {
    name: `nesting of ${MAX_JSON_DEPTH + 1} levels`,
    status: 400,
    headers: JSON_TYPE,
    body: (id) => validBody(id, `,"x":${nested(MAX_JSON_DEPTH)}`),
  },
  {
    name: 'nesting of 30,000 levels',
    status: 400,
    headers: JSON_TYPE,
    body: (id) => validBody(id, `,"x":${nested(30_000)}`),
  },
  {
    name: 'duplicate amount',
    status: 400,
    headers: JSON_TYPE,
    body: (id) => validBody(id, ',"amount":1000000'),
  },
  {
    name: 'duplicate transaction_id',
    status: 400,
    headers: JSON_TYPE,
    body: (id) => validBody(id, `,"transaction_id":"${id}x"`),
  },
  {
    name: 'duplicate key spelled with an escape',
    status: 400,
    headers: JSON_TYPE,
    body: (id) => validBody(id, ',"\\u0061mount":1'),
  },
  {
    name: 'duplicate key in a nested object',
    status: 400,
    headers: JSON_TYPE,
    body: (id) => validBody(id, ',"notes":{"a":1,"a":2}'),
  },
  {
    name: 'same key in sibling objects',
    status: 202,
    headers: JSON_TYPE,
    body: (id) => validBody(id, ',"n":[{"a":1},{"a":2}]'),
  },
  {
    name: '__proto__ at the top',
    status: 400,
    headers: JSON_TYPE,
    body: (id) => validBody(id, ',"__proto__":{"polluted":1}'),
  },
  {
    name: '__proto__ nested',
    status: 400,
    headers: JSON_TYPE,
    body: (id) => validBody(id, ',"n":{"__proto__":{"polluted":1}}'),
  },
  {
    name: 'constructor.prototype',
    status: 400,
    headers: JSON_TYPE,
    body: (id) => validBody(id, ',"constructor":{"prototype":{"polluted":1}}'),
  },
  { name: 'truncated body', status: 400, headers: JSON_TYPE, body: (id) => validBody(id).slice(0, 40) },
  { name: 'trailing garbage', status: 400, headers: JSON_TYPE, body: (id) => `${validBody(id)}x` },
  {
    name: 'two documents',
    status: 400,
    headers: JSON_TYPE,
    body: (id) => `${validBody(id)}${validBody(id)}`,
  },
  { name: 'comment', status: 400, headers: JSON_TYPE, body: (id) => `/**/${validBody(id)}` },
  {
    name: 'single quotes',
    status: 400,
    headers: JSON_TYPE,
    body: (id) => validBody(id).replaceAll('"', "'"),
  },
  { name: 'empty body', status: 422, headers: JSON_TYPE, body: () => '' },
  { name: 'whitespace body', status: 422, headers: JSON_TYPE, body: () => ' \n\t ' },
  { name: 'null body', status: 422, headers: JSON_TYPE, body: () => 'null' },
  { name: 'array body', status: 422, headers: JSON_TYPE, body: (id) => `[${validBody(id)}]` },
  // Types: no object or array where a string or number is expected (no operator injection).
  {
    name: '$ne in transaction_id',
    status: 422,
    headers: JSON_TYPE,
    body: (id) => validBody(id).replace(`"${id}"`, '{"$ne":null}'),
  },
  {
    name: '$gt in amount',
    status: 422,
    headers: JSON_TYPE,
    body: (id) => withAmount(id, '{"$gt":0}'),
  },
  {
    name: '$regex in currency',
    status: 422,
    headers: JSON_TYPE,
    body: (id) => validBody(id).replace('"INR"', '{"$regex":".*"}'),
  },
  {
    name: '$where in source_account',
    status: 422,
    headers: JSON_TYPE,
    body: (id) => validBody(id).replace('"acc_user_789"', '{"$where":"1"}'),
  },
  {
    name: 'array of strings in destination_account',
    status: 422,
    headers: JSON_TYPE,
    body: (id) => validBody(id).replace('"acc_merchant_456"', '["acc_merchant_456"]'),
  },
  {
    name: 'number as transaction_id',
    status: 422,
    headers: JSON_TYPE,
    body: (id) => validBody(id).replace(`"${id}"`, '12345'),
  },
  {
    name: 'boolean amount',
    status: 422,
    headers: JSON_TYPE,
    body: (id) => withAmount(id, 'true'),
  },
  // Numbers.
  {
    name: 'amount 1e400',
    status: 422,
    headers: JSON_TYPE,
    body: (id) => withAmount(id, '1e400'),
  },
  {
    name: 'amount 5e-324',
    status: 202,
    headers: JSON_TYPE,
    body: (id) => withAmount(id, '5e-324'),
  },
  {
    name: 'amount with 400 digits',
    status: 422,
    headers: JSON_TYPE,
    body: (id) => withAmount(id, '9'.repeat(400)),
  },
  {
    name: 'extra field 1e999999',
    status: 202,
    headers: JSON_TYPE,
    body: (id) => validBody(id, ',"x":1e999999,"y":-1e-999999'),
  },
  // Sizes.
  {
    name: 'body one byte over 64 KiB',
    status: 413,
    headers: JSON_TYPE,
    body: (id) => {
      const b = validBody(id, ',"pad":""');
      return b.replace('"pad":""', `"pad":"${'x'.repeat(65_537 - b.length)}"`);
    },
  },
  {
    name: 'body of 1 MiB',
    status: 413,
    headers: JSON_TYPE,
    body: (id) => validBody(id, `,"pad":"${'x'.repeat(1 << 20)}"`),
  },
  // Methods and paths.
  { name: 'GET on the webhook', status: 404, method: 'GET', path: WEBHOOK_PATH },
  { name: 'PUT on the webhook', status: 404, method: 'PUT', headers: JSON_TYPE, body: validBody },
  { name: 'OPTIONS on the webhook', status: 404, method: 'OPTIONS' },
  { name: 'TRACE on the webhook', status: 404, method: 'TRACE' },
  {
    name: 'path param of 129 characters',
    status: 422,
    method: 'GET',
    path: `/v1/transactions/${'a'.repeat(129)}`,
  },
  {
    name: 'path param of 600 characters',
    status: 414,
    method: 'GET',
    path: `/v1/transactions/${'a'.repeat(600)}`,
  },
  {
    name: 'percent-encoded slash in the path param',
    status: 422,
    method: 'GET',
    path: '/v1/transactions/a%2Fb',
  },
  {
    name: 'percent-encoded NUL in the path param',
    status: 422,
    method: 'GET',
    path: '/v1/transactions/a%00b',
  },
  { name: 'malformed percent-encoding', status: 400, method: 'GET', path: '/v1/transactions/%E0%A4%A' },
  { name: 'dot segments', status: 404, method: 'GET', path: '/v1/transactions/../../etc/passwd' },
  {
    name: 'prototype pollution through the query string',
    status: 200,
    method: 'GET',
    path: '/?__proto__[polluted]=1&constructor[prototype][polluted]=1',
  },
];

function assertOneErrorShape(name: string, res: RawResponse) {
  assert.doesNotMatch(res.text, LEAK, `${name}: leaks internals`);
  if (res.status >= 400) {
    const detail = (res.json as { detail?: unknown } | undefined)?.detail;
    assert.ok(
      typeof detail === 'string' || Array.isArray(detail),
      `${name}: not {"detail": ...}: ${res.text}`,
    );
    assert.match(String(res.headers['content-type']), /^application\/json/, name);
  }
}

describe('hostile input', () => {
  test('every case answers its 4xx in the one error shape, and only accepted ones are stored', async (t) => {
    const rt = await startTestRuntime(t);
    let accepted = 0;
    for (const c of CASES) {
      const id = uniqueId();
      const res = await send(rt.url, {
        method: c.method ?? 'POST',
        path: c.path ?? WEBHOOK_PATH,
        headers: c.headers,
        body: c.body?.(id),
      });
      assert.equal(res.status, c.status, `${c.name}: ${res.text.slice(0, 300)}`);
      assertOneErrorShape(c.name, res);
      const stored = await rt.store.get(id);
      if (res.status === 202) {
        accepted++;
        assert.ok(stored, c.name);
      } else {
        assert.equal(stored, null, `${c.name}: stored although refused`);
      }
    }
    assert.equal(await storedCount(rt.store), accepted);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype polluted');
    assert.equal((await send(rt.url, { path: '/' })).status, 200);
  });

  test('with secrets set, malformed bodies are refused before the signature check, and nothing is stored', async (t) => {
    const secret = 'hostile-input-secret';
    const rt = await startTestRuntime(t, { WEBHOOK_SECRETS: secret, API_KEYS: 'hostile-input-key' });
    for (const c of CASES.filter((c) => (c.method ?? 'POST') === 'POST' && c.body)) {
      const id = uniqueId();
      const body = c.body!(id);
      const headers = { ...c.headers, 'x-razorpay-signature': razorpaySignature(secret, body) };
      const res = await send(rt.url, { method: 'POST', path: WEBHOOK_PATH, headers, body });
      assert.equal(res.status, c.status, `${c.name} (signed): ${res.text.slice(0, 300)}`);
      assertOneErrorShape(c.name, res);
      const unsigned = await send(rt.url, { method: 'POST', path: WEBHOOK_PATH, headers: c.headers, body });
      assert.equal(
        unsigned.status,
        c.status < 400 || c.status === 422 ? 401 : c.status,
        `${c.name} (unsigned)`,
      );
      const stored = await rt.store.get(id);
      assert.equal(stored !== null, c.status === 202, `${c.name}: stored ${stored !== null}`);
    }
  });

  test('what Node rejects before Fastify still answers {"detail": ...} without internals', async (t) => {
    const rt = await startTestRuntime(t);
    const cases: Array<[string, number, string]> = [
      [
        'request line over 16 KiB',
        431,
        `GET /v1/transactions/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      ],
      ['header block over 16 KiB', 431, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
      ['garbage request line', 400, 'HELLO\r\n\r\n'],
      ['unsupported Expect', 417, 'GET / HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\n\r\n'],
      ['header without a colon', 400, 'GET / HTTP/1.1\r\nHost: x\r\nbroken header\r\n\r\n'],
      [
        'bare LF inside a header value',
        400,
        'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\nSet-Cookie: injected=1\r\n\r\n',
      ],
      [
        'Content-Length with Transfer-Encoding (smuggling)',
        400,
        `POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      ],
      [
        'two different Content-Lengths',
        400,
        `POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
      ],
      [
        'chunked body over the limit',
        413,
        `POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n10001\r\n${'a'.repeat(0x10001)}\r\n0\r\n\r\n`,
      ],
    ];
    for (const [name, status, bytes] of cases) {
      const res = await sendBytes(rt.url, bytes);
      assert.equal(res.status, status, `${name}: ${res.text}`);
      assertOneErrorShape(name, res);
      assert.equal(res.headers['set-cookie'], undefined, name);
    }
    assert.equal(await storedCount(rt.store), 0);
    assert.equal((await send(rt.url, { path: '/' })).status, 200);
  });

  test('HEAD answers without a body; a caller-chosen request id is not reflected in headers', async (t) => {
    const rt = await startTestRuntime(t);
    const head = await send(rt.url, { method: 'HEAD', path: '/' });
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    const res = await send(rt.url, { path: '/', headers: { 'x-request-id': 'abc"<script>' } });
    assert.equal(res.status, 200);
    assert.ok(!JSON.stringify(res.headers).includes('<script>'));
  });

  test('every documentation route, static files included, carries the security headers', async (t) => {
    const rt = await startTestRuntime(t);
    for (const path of [
      '/docs',
      '/docs/',
      '/docs/static/index.html',
      '/docs/static/swagger-ui.css',
      '/docs/json',
    ]) {
      const res = await send(rt.url, { path });
      assert.ok(res.status === 200 || res.status === 302, `${path}: ${res.status}`);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', path);
      assert.equal(res.headers['x-frame-options'], 'DENY', path);
      assert.equal(res.headers['referrer-policy'], 'no-referrer', path);
      assert.ok(res.headers['content-security-policy'], `${path}: no CSP`);
    }
    const traversal = await send(rt.url, { path: '/docs/static/..%2f..%2f..%2fpackage.json' });
    assert.equal(traversal.status, 404);
    assert.ok(!traversal.text.includes('"dependencies"'));
  });
});
