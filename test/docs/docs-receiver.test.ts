import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../bench/bench-processes.js';
import {
  signStandardWebhook,
  standardWebhooksKey,
} from '../../src/http/signatures/standard-webhooks-signature.js';
import { forwardSecret } from '../helpers/forward-receiver.js';
import { getTransaction, postWebhook } from '../helpers/http-client.js';
import { webhookBody } from '../helpers/sample-transaction.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startTestRuntime } from '../helpers/test-runtime.js';
import { waitFor } from '../helpers/wait-for.js';

const HANDLERS_PAGE = fileURLToPath(new URL('../../../docs/handlers.md', import.meta.url));

/** The example receiver of docs/handlers.md, as printed, with its port and its library's location filled in. */
function docsReceiver(): string {
  const page = readFileSync(HANDLERS_PAGE, 'utf8');
  const block = /In Node:\n\n```js\n([\s\S]*?)```/.exec(page)?.[1];
  assert.ok(block, 'docs/handlers.md has its example receiver');
  assert.ok(block.includes('.listen(9000)') && block.includes("from 'standardwebhooks'"));
  return block
    .replace('.listen(9000)', '.listen(Number(process.env.PORT))')
    .replace("from 'standardwebhooks'", `from '${import.meta.resolve('standardwebhooks')}'`);
}

test('the documented example receiver takes forwarded deliveries, refuses forgeries and settles each webhook-id once', async (t) => {
  const dir = tempDir(t);
  const script = join(dir, 'receiver.mjs');
  writeFileSync(script, docsReceiver());
  const secret = forwardSecret();
  const port = await freePort();
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', FORWARD_SECRET: secret, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  t.after(() => {
    child.kill('SIGKILL');
  });
  const url = `http://127.0.0.1:${port}/`;
  await waitFor(() => fetch(url, { method: 'POST' }).then((r) => r.status === 401), {
    message: 'the receiver to listen',
  });

  const runtime = await startTestRuntime(t, { FORWARD_URL: url, FORWARD_SECRET: secret });
  const ids = await Promise.all(
    [1, 2, 3].map(async () => {
      const body = webhookBody();
      assert.equal((await postWebhook(runtime.url, body)).status, 202);
      return body.transaction_id as string;
    }),
  );
  for (const id of ids) {
    await waitFor(
      async () => ((await getTransaction(runtime.url, id)).body as { status: string }).status === 'PROCESSED',
      { message: `${id} PROCESSED` },
    );
  }

  // The same message again, signed anew as a retry would be: answered 2xx, not settled twice.
  const stored = await runtime.store.get(ids[0]!);
  const key = standardWebhooksKey(secret);
  const body = JSON.stringify({ transaction_id: ids[0], payload: JSON.parse(stored!.payload!) });
  const send = (signatureKey: Buffer) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const webhookId = `msg_${Buffer.from(ids[0]!).toString('base64url')}`;
    return fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': webhookId,
        'webhook-timestamp': timestamp,
        'webhook-signature': `v1,${signStandardWebhook(signatureKey, webhookId, timestamp, body)}`,
      },
      body,
    });
  };
  assert.equal((await send(key)).status, 204);
  assert.equal((await send(Buffer.from('not the secret'))).status, 401);

  const settled = out.split('\n').filter((line) => line.startsWith('settle '));
  assert.deepEqual(settled.map((line) => line.split(' ')[1]).sort(), [...ids].sort(), out);
});
