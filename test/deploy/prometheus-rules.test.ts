import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { forwardSecret, startForwardReceiver } from '../helpers/forward-receiver.js';
import { skipUnlessInstalled } from '../helpers/services.js';
import { startTestRuntime } from '../helpers/test-runtime.js';

/** The shipped rules and their unit tests, from the repository (tests run from its root). */
const RULES_DIR = join(process.cwd(), 'deploy', 'prometheus');
const RULES = join(RULES_DIR, 'alerts.yml');
const PROMTOOL = process.env.PROMTOOL_PATH || 'promtool';
const skip = skipUnlessInstalled(PROMTOOL);

/** Series Prometheus makes itself for every target; no process serves them. */
const PROMETHEUS_OWN = new Set(['up']);
/** PromQL words that are not metric names. */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
]);

interface Rule {
  alert?: string;
  expr: string;
}

const rules = (): Rule[] =>
  (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

/**
 * The metric names an expression reads: identifiers that are not functions (followed by `(`), not
 * keywords and not inside a label matcher, a range or a string.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = new Set<string>();
  for (const match of bare.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*(\()?/g)) {
    const [, name, call] = match;
    if (!call && !KEYWORDS.has(name!)) names.add(name!);
  }
  return [...names];
}

function run(args: string[]) {
  const result = spawnSync(PROMTOOL, args, { cwd: RULES_DIR, encoding: 'utf8' });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

test('promtool: the shipped alert rules are valid', { skip }, () => {
  const checked = run(['check', 'rules', 'alerts.yml']);
  assert.equal(checked.code, 0, checked.output);
  assert.match(checked.output, /SUCCESS: \d+ rules found/);
});

test('promtool: every alert fires and stays quiet as its unit tests say', { skip }, () => {
  const tested = run(['test', 'rules', 'alerts.test.yml']);
  assert.equal(tested.code, 0, tested.output);
  assert.match(tested.output, /SUCCESS/);
});

test('every alert has a unit test, and the ones the issue names exist', () => {
  const tests = parse(readFileSync(join(RULES_DIR, 'alerts.test.yml'), 'utf8')) as {
    tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
  };
  const firing = new Set(
    tests.tests.flatMap((t) =>
      (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
    ),
  );
  const alerts = rules().map((r) => r.alert);
  for (const alert of alerts) assert.ok(firing.has(alert!), `${alert} has a test where it fires`);
  for (const alert of [
    'WebhookTransactionsFailing',
    'WebhookTransactionsStuck',
    'WebhooksAnswered5xx',
    'WebhookForwardingFailing',
    'WebhookGatewayInstanceDown',
  ]) {
    assert.ok(alerts.includes(alert), alert);
  }
});

test('every metric the rules read is served on /metrics, by the api and by a worker-only process', async (t) => {
  const names = [...new Set(rules().flatMap((r) => metricNames(r.expr)))];
  assert.deepEqual(
    metricNames('sum(rate(a_total{x="b(c)"}[5m])) by (job) / on(job) max(b_seconds) > 0.5'),
    ['a_total', 'b_seconds'],
    'the extraction itself',
  );
  assert.ok(names.length >= 5, names.join(', '));
  const served = (text: string) => new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
  const secret = forwardSecret();
  const receiver = await startForwardReceiver(secret, { t });
  const all = await startTestRuntime(t, { FORWARD_URL: receiver.url, FORWARD_SECRET: secret });
  const worker = await startTestRuntime(
    t,
    { METRICS_PORT: '0', FORWARD_URL: receiver.url, FORWARD_SECRET: secret },
    { role: 'worker' },
  );
  const fromAll = served(await (await fetch(`${all.url}/metrics`)).text());
  const fromWorker = served(await (await fetch(`${worker.metricsAddress}/metrics`)).text());
  for (const name of names) {
    if (PROMETHEUS_OWN.has(name)) continue;
    assert.ok(fromAll.has(name), `${name} is on the api's /metrics`);
    assert.ok(fromWorker.has(name), `${name} is on a worker-only process's /metrics`);
  }
  t.diagnostic(`metrics read by the rules: ${names.join(', ')}`);
});
