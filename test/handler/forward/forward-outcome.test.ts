import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outcomeOfStatus, retryAfterMs } from '../../../src/handler/forward/forward-outcome.js';

test('2xx delivers; 408, 425, 429, 3xx and 5xx retry; every other 4xx, 410 included, is permanent', () => {
  for (const status of [200, 201, 202, 204, 299]) assert.equal(outcomeOfStatus(status), '2xx', `${status}`);
  for (const status of [408, 425, 429, 500, 502, 503, 504, 599, 301, 302, 307, 308]) {
    assert.equal(outcomeOfStatus(status), 'retryable', `${status}`);
  }
  for (const status of [400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 451, 499]) {
    assert.equal(outcomeOfStatus(status), 'permanent', `${status}`);
  }
});

test('Retry-After in delta-seconds', () => {
  assert.equal(retryAfterMs('1', 0), 1000);
  assert.equal(retryAfterMs(' 120 ', 0), 120_000);
  assert.equal(retryAfterMs('0', 0), 0);
  assert.equal(retryAfterMs(['3', '9'], 0), 3000);
});

test('Retry-After as an HTTP-date, relative to now; a past date asks for no wait', () => {
  const now = Date.parse('2026-10-21T07:28:00Z');
  assert.equal(retryAfterMs('Wed, 21 Oct 2026 07:28:30 GMT', now), 30_000);
  assert.equal(retryAfterMs('Wed, 21 Oct 2026 07:27:00 GMT', now), 0);
  // The obsolete RFC 850 form HTTP still allows.
  assert.equal(retryAfterMs('Wednesday, 21-Oct-26 07:29:00 GMT', now), 60_000);
});

test('an absent or unreadable Retry-After is ignored', () => {
  for (const value of [undefined, '', '  ', '-5', '1.5', '+3', 'soon', 'Wed, 99 Foo 2026']) {
    assert.equal(retryAfterMs(value, 0), undefined, JSON.stringify(value));
  }
});
