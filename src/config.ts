import { z } from 'zod';
import { commaList, integer, optional, seconds, url, urlWith, withDefault } from './env-values.js';
import { forwardSecretProblem } from './handler/forward/forward-secret.js';
import { checkRegistry, PROVIDER_REGISTRY, type ProviderRegistry } from './providers/provider-registry.js';
import { ProviderSettingsError } from './providers/provider-settings.js';

/** The process roles one program can play. */
export const ROLES = ['all', 'api', 'worker'] as const;
/** `all` runs API and worker in one process; `api` and `worker` run one role each. */
export type Role = (typeof ROLES)[number];

/** Thrown by {@link loadConfig}; the message is one line naming the offending variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

const httpUrl = urlWith(['http:', 'https:']);

/** A number of days, decimals allowed (so tests can speak in seconds); 0 means keep forever. */
const days = z.coerce
  .number({ message: 'must be a number of days' })
  .finite()
  .min(0, 'must be at least 0 (0 keeps everything)')
  .max(36_500, 'must be at most 36500');

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Every environment variable the service reads, with its default, besides the providers' own
 * (each provider declares its variables in its folder; see {@link loadConfig}). Names follow the
 * original service (PORT, HOST, PROCESS_DELAY_SECONDS, MONGO_URL, MONGO_DB, REDIS_URL) where it
 * had one.
 */
const envSchema = z.object({
  PORT: integer(8000, 0, 65535),
  METRICS_PORT: optional(
    z.coerce
      .number({ message: 'must be a port number' })
      .int('must be an integer')
      .min(0, 'must be at least 0')
      .max(65535, 'must be at most 65535'),
  ),
  HOST: withDefault(z.string().min(1), '0.0.0.0'),
  PROCESS_DELAY_SECONDS: seconds(30),
  STORE: optional(z.enum(['sqlite', 'postgres', 'mongo'], { message: 'must be sqlite, postgres or mongo' })),
  SQLITE_PATH: withDefault(z.string().min(1), './data/webhooks.db'),
  SQLITE_SYNCHRONOUS: withDefault(z.enum(['FULL', 'NORMAL'], { message: 'must be FULL or NORMAL' }), 'FULL'),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  MONGO_URL: url(['mongodb:', 'mongodb+srv:']),
  MONGO_DB: withDefault(z.string().min(1), 'webhooks_db'),
  REDIS_URL: url(['redis:', 'rediss:']),
  QUEUE_NAME: withDefault(
    z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ or -'),
    'transactions',
  ),
  QUEUE_PREFIX: withDefault(z.string().min(1), '{webhooks}'),
  QUEUE_MAX_WAITING: integer(10_000, 1, 10_000_000),
  WORKER_CONCURRENCY: integer(1000, 1, 100_000),
  MAX_ATTEMPTS: integer(5, 1, 1000),
  RETRY_BASE_SECONDS: seconds(2),
  RETRY_MAX_SECONDS: seconds(300),
  LEASE_SECONDS: seconds(30, 0.05),
  SWEEP_INTERVAL_SECONDS: seconds(15, 0.01),
  RECEIVED_STALE_SECONDS: seconds(30),
  // 7 s, plus the process's own hard limit 2 s later (shutdown-hard-limit.ts), ends inside
  // `docker stop`'s 10 s grace and Kubernetes' 30 s.
  SHUTDOWN_TIMEOUT_SECONDS: seconds(7),
  RETENTION_DAYS: withDefault(days, '90'),
  PAYLOAD_RETENTION_DAYS: optional(days),
  RETENTION_INTERVAL_SECONDS: seconds(60, 0.01),
  BODY_LIMIT_BYTES: integer(65536, 256, 10 * 1024 * 1024),
  HANDLER_MODULE: optional(z.string().min(1)),
  FORWARD_URL: url(['http:', 'https:']),
  FORWARD_SECRET: optional(z.string()),
  FORWARD_TIMEOUT_SECONDS: seconds(10, 0.01),
  FORWARD_CONCURRENCY: integer(64, 1, 10_000),
  ATTEMPT_HISTORY: withDefault(z.enum(['on', 'off'], { message: 'must be on or off' }), 'on'),
  LOG_LEVEL: withDefault(z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }), 'info'),
  WEBHOOK_SECRETS: commaList,
  API_KEYS: commaList,
  STRIPE_API_KEY: optional(z.string()),
  STRIPE_API_BASE: withDefault(httpUrl, 'https://api.stripe.com'),
  RAZORPAY_KEY_ID: optional(z.string()),
  RAZORPAY_KEY_SECRET: optional(z.string()),
  RAZORPAY_API_BASE: withDefault(httpUrl, 'https://api.razorpay.com'),
  RECONCILE_INTERVAL_SECONDS: seconds(600, 1),
  RECONCILE_LOOKBACK_HOURS: withDefault(
    z.coerce
      .number({ message: 'must be a number of hours' })
      .finite()
      .positive('must be more than 0')
      .max(720, 'must be at most 720 (Stripe keeps events for 30 days)'),
    '72',
  ),
});

/** The parsed environment: the service's variables, and the providers' by name. */
type Env = z.output<typeof envSchema> & Readonly<Record<string, unknown>>;

/** Variables whose values must never be echoed, not even in a configuration error (providers' secrets besides). */
const SECRET_VARIABLES = new Set([
  'WEBHOOK_SECRETS',
  'API_KEYS',
  'DATABASE_URL',
  'MONGO_URL',
  'REDIS_URL',
  'FORWARD_URL',
  'FORWARD_SECRET',
  'STRIPE_API_KEY',
  'STRIPE_API_BASE',
  'RAZORPAY_KEY_ID',
  'RAZORPAY_KEY_SECRET',
  'RAZORPAY_API_BASE',
]);

function storeFrom(env: Env) {
  const kind =
    env.STORE ??
    (env.DATABASE_URL && env.MONGO_URL
      ? undefined
      : env.DATABASE_URL
        ? 'postgres'
        : env.MONGO_URL
          ? 'mongo'
          : 'sqlite');
  switch (kind) {
    case undefined:
      throw new ConfigError('STORE', 'must be set when both DATABASE_URL and MONGO_URL are set');
    case 'sqlite':
      return { kind, path: env.SQLITE_PATH, synchronous: env.SQLITE_SYNCHRONOUS } as const;
    case 'postgres':
      if (!env.DATABASE_URL) throw new ConfigError('DATABASE_URL', 'must be set when STORE=postgres');
      return { kind, url: env.DATABASE_URL } as const;
    case 'mongo':
      if (!env.MONGO_URL) throw new ConfigError('MONGO_URL', 'must be set when STORE=mongo');
      return { kind, url: env.MONGO_URL, database: env.MONGO_DB } as const;
  }
}

function queueFrom(env: Env) {
  return env.REDIS_URL
    ? ({ kind: 'bullmq', url: env.REDIS_URL, name: env.QUEUE_NAME, prefix: env.QUEUE_PREFIX } as const)
    : ({ kind: 'in-process', maxWaiting: env.QUEUE_MAX_WAITING } as const);
}

/**
 * The built-in forwarding handler's settings, or null when `FORWARD_URL` is unset. Forwarding
 * replaces the handler, so `HANDLER_MODULE` beside it is refused rather than silently ignored; and
 * payment events are never forwarded unsigned, so `FORWARD_SECRET` is required with it.
 */
function forwardFrom(env: Env) {
  if (!env.FORWARD_URL) {
    if (env.FORWARD_SECRET) throw new ConfigError('FORWARD_SECRET', 'is set but FORWARD_URL is not');
    return null;
  }
  if (env.HANDLER_MODULE) {
    throw new ConfigError('HANDLER_MODULE', 'cannot be combined with FORWARD_URL: set one of them');
  }
  if (!env.FORWARD_SECRET) throw new ConfigError('FORWARD_SECRET', 'must be set when FORWARD_URL is set');
  const problem = forwardSecretProblem(env.FORWARD_SECRET);
  if (problem) throw new ConfigError('FORWARD_SECRET', problem);
  return {
    url: env.FORWARD_URL,
    secret: env.FORWARD_SECRET,
    timeoutMs: env.FORWARD_TIMEOUT_SECONDS * 1000,
    concurrency: env.FORWARD_CONCURRENCY,
  };
}

/**
 * Each registered provider's endpoint settings by name, or null when they are not set (the
 * endpoint is then disabled and says which variables enable it). A provider's own check of its
 * values stops the start like any other bad value.
 */
function providersFrom(
  env: Env,
  registry: ProviderRegistry,
): Readonly<Record<string, Readonly<Record<string, unknown>> | null>> {
  const settings: Record<string, Readonly<Record<string, unknown>> | null> = {};
  for (const definition of registry) {
    try {
      settings[definition.name] = definition.settings.read(env) as Readonly<Record<string, unknown>> | null;
    } catch (error) {
      if (error instanceof ProviderSettingsError) throw new ConfigError(error.variable, error.message);
      throw error;
    }
  }
  return settings;
}

/**
 * Reconciliation with the providers' APIs: Stripe's events list with `STRIPE_API_KEY`, Razorpay's
 * payments list with `RAZORPAY_KEY_ID` and `RAZORPAY_KEY_SECRET` (both or neither). Each provider
 * is null when its credentials are not set.
 */
function reconcileFrom(env: Env) {
  const keyId = env.RAZORPAY_KEY_ID?.trim() || undefined;
  const keySecret = env.RAZORPAY_KEY_SECRET?.trim() || undefined;
  if (keyId && !keySecret)
    throw new ConfigError('RAZORPAY_KEY_SECRET', 'must be set when RAZORPAY_KEY_ID is set');
  if (keySecret && !keyId)
    throw new ConfigError('RAZORPAY_KEY_ID', 'must be set when RAZORPAY_KEY_SECRET is set');
  const stripeKey = env.STRIPE_API_KEY?.trim() || undefined;
  return {
    intervalMs: env.RECONCILE_INTERVAL_SECONDS * 1000,
    lookbackMs: env.RECONCILE_LOOKBACK_HOURS * 3_600_000,
    stripe: stripeKey ? { apiKey: stripeKey, apiBase: env.STRIPE_API_BASE } : null,
    razorpay: keyId && keySecret ? { keyId, keySecret, apiBase: env.RAZORPAY_API_BASE } : null,
  };
}

const DAY_MS = 86_400_000;

/**
 * How long finished transactions and their payloads are kept. A payload is kept as long as its
 * record unless `PAYLOAD_RETENTION_DAYS` says less; 0 keeps for ever (a payload then lives as long
 * as its record).
 */
function retentionFrom(env: Env) {
  const recordDays = env.RETENTION_DAYS;
  const payloadDays = env.PAYLOAD_RETENTION_DAYS ?? recordDays;
  return {
    /** A finished transaction is deleted this long after its last change; null keeps it. */
    recordMs: recordDays > 0 ? Math.round(recordDays * DAY_MS) : null,
    /** A finished transaction's payload is erased this long after its last change; null keeps it with its record. */
    payloadMs: payloadDays > 0 ? Math.round(payloadDays * DAY_MS) : null,
    /** Time between two retention runs of one worker process. */
    intervalMs: env.RETENTION_INTERVAL_SECONDS * 1000,
  };
}

function toConfig(env: Env, role: Role, registry: ProviderRegistry) {
  const store = storeFrom(env);
  const queue = queueFrom(env);
  // A worker on its own with the in-process queue has no doorbell from the API processes: it finds
  // new work by polling the store, so its sweep must run often and take RECEIVED rows at once.
  const pollsStore = role === 'worker' && queue.kind === 'in-process';
  if (env.RETRY_MAX_SECONDS < env.RETRY_BASE_SECONDS) {
    throw new ConfigError('RETRY_MAX_SECONDS', 'must be at least RETRY_BASE_SECONDS');
  }
  const forward = forwardFrom(env);
  return {
    role,
    http: { host: env.HOST, port: env.PORT, bodyLimit: env.BODY_LIMIT_BYTES },
    /**
     * Where a worker-only process serves `GET /metrics`; null: no HTTP at all. The api and all roles
     * serve `/metrics` on `PORT` and do not read it.
     */
    metricsPort: env.METRICS_PORT ?? null,
    /** Whether attempts are recorded; off only for the bench's measure of what recording costs. */
    attemptHistory: env.ATTEMPT_HISTORY === 'on',
    store,
    queue,
    worker: {
      concurrency: env.WORKER_CONCURRENCY,
      processDelayMs: env.PROCESS_DELAY_SECONDS * 1000,
      handlerModule: env.HANDLER_MODULE ?? null,
      maxAttempts: env.MAX_ATTEMPTS,
      retryBaseMs: env.RETRY_BASE_SECONDS * 1000,
      retryMaxMs: env.RETRY_MAX_SECONDS * 1000,
      leaseMs: env.LEASE_SECONDS * 1000,
      sweepIntervalMs: pollsStore
        ? Math.min(env.SWEEP_INTERVAL_SECONDS * 1000, 500)
        : env.SWEEP_INTERVAL_SECONDS * 1000,
      receivedStaleMs: pollsStore ? 0 : env.RECEIVED_STALE_SECONDS * 1000,
    },
    forward,
    retention: retentionFrom(env),
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    logLevel: env.LOG_LEVEL,
    webhookSecrets: env.WEBHOOK_SECRETS ?? [],
    providers: providersFrom(env, registry),
    /** The providers whose settings `providers` holds: the endpoints the process serves. */
    providerRegistry: registry,
    apiKeys: env.API_KEYS ?? [],
    reconcile: reconcileFrom(env),
  };
}

/** The validated configuration of one process. Built only by {@link loadConfig}. */
export type Config = ReturnType<typeof toConfig>;
/** Which transaction store to use and how to reach it. */
export type StoreConfig = Config['store'];
/** Which job queue to use and how to reach it. */
export type QueueConfig = Config['queue'];
/** Worker tuning: concurrency, leases, retries and the recovery sweep. */
export type WorkerConfig = Config['worker'];
/** Each registered provider's settings by name (its secrets, Stripe's tolerance…), null when disabled. */
export type ProvidersConfig = Config['providers'];
/** How long finished transactions and their payloads are kept, and how often retention runs. */
export type RetentionConfig = Config['retention'];
/** The forwarding handler's receiver, secret, timeout and connection cap (when `FORWARD_URL` is set). */
export type ForwardConfig = NonNullable<Config['forward']>;
/** Reconciliation's schedule, lookback and each provider's API credentials (null when not set). */
export type ReconcileConfig = Config['reconcile'];

/**
 * Parses and validates the environment once, at start: the service's variables and those every
 * provider of `registry` (default {@link PROVIDER_REGISTRY}) declares, in one schema. Throws
 * {@link ConfigError} with one line naming the first bad variable; secret values are never
 * repeated in the message.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  role: Role,
  registry: ProviderRegistry = PROVIDER_REGISTRY,
): Config {
  checkRegistry(registry);
  const providerVariables = registry.flatMap((d) => Object.entries(d.settings.variables));
  const schema = envSchema.extend(Object.fromEntries(providerVariables.map(([name, v]) => [name, v.schema])));
  const secret = new Set([
    ...SECRET_VARIABLES,
    ...providerVariables.filter(([, v]) => v.secret).map(([n]) => n),
  ]);
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    const raw = env[variable];
    const shown = secret.has(variable) || raw === undefined ? '' : ` (got ${JSON.stringify(raw)})`;
    throw new ConfigError(variable, `${issue.message}${shown}`);
  }
  return toConfig(parsed.data as Env, role, registry);
}
