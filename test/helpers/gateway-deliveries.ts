import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Cashfree, CFEnvironment } from 'cashfree-pg';
import PaytmChecksum from 'paytmchecksum';
import Payu from 'payu-websdk';
import { CommonUtils } from 'pg-sdk-node/dist/common/CommonUtils.js';
import { fixtureBytes } from './provider-fixtures.js';

/**
 * Deliveries of the Indian gateways' published samples, signed as each gateway signs them and
 * checked with the gateway's own library (cashfree-pg, payu-websdk, pg-sdk-node, paytmchecksum):
 * what the tests post to the service, not what the service computes.
 */

/** A delivery: the body's bytes and the headers that go with them. */
export interface Delivery {
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * Cashfree's signature: base64 HMAC-SHA256 of `timestamp + rawBody` with the client secret, as
 * Cashfree documents it. cashfree-pg has no signer; its `PGVerifyWebhookSignature` must accept the
 * result (the analytics it would start are off).
 */
export function cashfreeSignature(body: Buffer, secret: string, timestamp: string): string {
  const signature = createHmac('sha256', secret).update(timestamp).update(body).digest('base64');
  const sdk = new Cashfree(
    CFEnvironment.SANDBOX,
    'client-id',
    secret,
    undefined,
    undefined,
    undefined,
    false,
  );
  sdk.PGVerifyWebhookSignature(signature, body.toString('utf8'), timestamp); // throws when it would not match
  return signature;
}

/** A Cashfree delivery of `body` (default: published sample `name`), version 2025-01-01's headers. */
export function cashfreeDelivery(
  secret: string,
  { name = 'PAYMENT_SUCCESS_WEBHOOK', body, idempotencyKey, timestamp = String(Date.now()) } = {} as {
    name?: string;
    body?: Buffer;
    idempotencyKey?: string;
    timestamp?: string;
  },
): Delivery {
  const bytes = body ?? fixtureBytes('cashfree', name);
  return {
    body: bytes,
    headers: {
      'content-type': 'application/json',
      'x-webhook-signature': cashfreeSignature(bytes, secret, timestamp),
      'x-webhook-timestamp': timestamp,
      'x-webhook-version': '2025-01-01',
      'x-webhook-attempt': '1',
      ...(idempotencyKey ? { 'x-idempotency-key': idempotencyKey } : {}),
    },
  };
}

/**
 * PayU's published sample `name` as it travels: the documentation prints the form one field per
 * line, each after the first beginning with `&`; the body is those lines joined.
 */
export function payuSampleText(name: string): string {
  const printed = fixtureBytes('payu', name).toString('utf8');
  assert.ok(
    printed.endsWith('\n') &&
      printed
        .split('\n')
        .slice(1, -1)
        .every((l) => l.startsWith('&')),
  );
  return printed.slice(0, -1).replaceAll('\n&', '&');
}

/** The fields of a form, in order, as `URLSearchParams` decodes them. */
export const formFields = (text: string): Record<string, string> =>
  Object.fromEntries(new URLSearchParams(text));

/**
 * A PayU delivery of form `text` (default: published sample `name`) whose `hash` field is replaced,
 * in place, by payu-websdk's `generateResponseHash` with `key` and `salt` (`key` defaults to the
 * form's own). Every other byte is as published.
 */
export function payuDelivery(
  salt: string,
  { name = 'payment.successful', text, key }: { name?: string; text?: string; key?: string } = {},
): Delivery & { key: string } {
  const form = text ?? payuSampleText(name);
  const fields = formFields(form);
  const merchantKey = key ?? fields.key!;
  const hasher = new Payu({ key: merchantKey, salt }, 'TEST').hasher;
  const { hash: _published, ...unsigned } = fields;
  const hash = hasher.generateResponseHash(unsigned);
  assert.ok(hasher.validateResponseHash({ ...unsigned, hash }));
  const signed = form.replace(/(^|&)hash=[^&]*/, `$1hash=${hash}`);
  return {
    key: merchantKey,
    body: Buffer.from(signed),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  };
}

/** PhonePe's `Authorization` for a webhook configured with `username` and `password`, by pg-sdk-node. */
export function phonepeAuthorization(username: string, password: string): string {
  const authorization = CommonUtils.calculateSha256({ username, password });
  assert.ok(CommonUtils.isCallbackValid(username, password, authorization));
  return authorization;
}

/** A PhonePe delivery of published sample `name` (or `body`), authorised with `username:password`. */
export function phonepeDelivery(
  credential: string,
  { name = 'checkout.order.completed', body }: { name?: string; body?: Buffer } = {},
): Delivery {
  const [username, password] = [
    credential.slice(0, credential.indexOf(':')),
    credential.slice(credential.indexOf(':') + 1),
  ];
  return {
    body: body ?? fixtureBytes('phonepe', name),
    headers: { 'content-type': 'application/json', authorization: phonepeAuthorization(username, password) },
  };
}

/**
 * Paytm's published sample `name`, printed as a PHP array (`[TXNID] => 2020…`), as its fields in
 * the printed order.
 */
export function paytmSampleFields(name: string): [string, string][] {
  const printed = fixtureBytes('paytm', name).toString('utf8');
  return printed
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const match = /^\[([A-Z_]+)\] => (.*)$/.exec(line);
      assert.ok(match, line);
      return [match[1]!, match[2]!] as [string, string];
    });
}

/**
 * A Paytm delivery of `fields` (default: published sample `name`'s) as the form Paytm posts, with
 * `CHECKSUMHASH` replaced by paytmchecksum's `generateSignature` of the other fields with `key`
 * (checked with its `verifySignature`), in the field's printed place.
 */
export async function paytmDelivery(
  key: string,
  { name = 'payment-status.success', fields }: { name?: string; fields?: [string, string][] } = {},
): Promise<Delivery & { checksum: string }> {
  const ordered = fields ?? paytmSampleFields(name);
  const unsigned = Object.fromEntries(ordered.filter(([n]) => n !== 'CHECKSUMHASH'));
  const checksum = await PaytmChecksum.generateSignature(unsigned, key);
  assert.ok(PaytmChecksum.verifySignature({ ...unsigned }, key, checksum));
  const form = new URLSearchParams(
    ordered.some(([n]) => n === 'CHECKSUMHASH')
      ? ordered.map(([n, v]): [string, string] => [n, n === 'CHECKSUMHASH' ? checksum : v])
      : [...ordered, ['CHECKSUMHASH', checksum] as [string, string]],
  );
  return {
    checksum,
    body: Buffer.from(form.toString()),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  };
}
