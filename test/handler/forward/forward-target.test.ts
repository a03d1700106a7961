import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardTarget, redact } from '../../../src/handler/forward/forward-target.js';

test('a URL without credentials is used as it is, path and query included', () => {
  const target = forwardTarget('https://hooks.example.com:8443/payments/in?source=gw#frag');
  assert.equal(target.origin, 'https://hooks.example.com:8443');
  assert.equal(target.path, '/payments/in?source=gw');
  assert.equal(target.authorization, undefined);
  assert.equal(target.display, 'https://hooks.example.com:8443/payments/in?source=gw');
  assert.deepEqual(target.credentials, []);
});

test('credentials become Basic authorization, and every form of them is listed for redaction', () => {
  const target = forwardTarget('http://svc:s3cr%2Ft@10.0.0.5/hooks');
  const token = Buffer.from('svc:s3cr/t').toString('base64');
  assert.equal(target.origin, 'http://10.0.0.5');
  assert.equal(target.path, '/hooks');
  assert.equal(target.authorization, `Basic ${token}`);
  assert.equal(target.display, 'http://10.0.0.5/hooks');
  for (const form of [token, 's3cr/t', 's3cr%2Ft', 'svc:s3cr/t'])
    assert.ok(target.credentials.includes(form), form);
});

test('redact replaces every occurrence, longer secrets first', () => {
  assert.equal(redact('a s3cr/t b svc:s3cr/t c', ['s3cr/t', 'svc:s3cr/t']), 'a [redacted] b [redacted] c');
  assert.equal(redact('nothing here', []), 'nothing here');
  // An answer cut at the byte limit in the middle of an echoed secret loses the part it kept.
  assert.equal(redact('echo: whsec_abcdefgh', ['whsec_abcdefghijklmnop']), 'echo: [redacted]');
  assert.equal(redact('ends with abc', ['abcdefghij']), 'ends with abc', 'too short a start to tell');
});
