import { z } from 'zod';
import type { Provider } from './domain/provider-event.js';
import { forwardSecretProblem } from './handler/forward/forward-secret.js';
import { RAZORPAY_SECRETS_VARIABLE } from './providers/razorpay/razorpay-provider.js';
import { STRIPE_SECRETS_VARIABLE } from './providers/stripe/stripe-provider.js';

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

// Compose files and shells often set a variable to the empty string to mean "unset".
const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const withDefault = <T extends z.ZodTypeAny>(schema: T, fallback: string) =>
  z.preprocess((v) => (v === undefined || (typeof v === 'string' && v.trim() === '') ? fallback : v), schema);

const seconds = (fallback: number, min = 0) =>
  withDefault(
    z.coerce.number({ message: 'must be a number of seconds' }).finite().min(min, `must be at least ${min}`),
    String(fallback),
  );

const integer = (fallback: number, min: number, max: number) =>
  withDefault(
    z.coerce
      .number({ message: 'must be an integer' })
      .int('must be an integer')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
    String(fallback),
  );

const commaList = optional(
  z.string().transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0),
  ),
);

const url = (protocols: readonly string[]) =>
  optional(
    z.string().refine(
      (s) => {
        try {
          return protocols.includes(new URL(s).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    ),
  );

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Every environment variable the service reads, with its default. Names follow the original
 * service (PORT, HOST, PROCESS_DELAY_SECONDS, MONGO_URL, MONGO_DB, REDIS_URL) where it had one.
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
  SHUTDOWN_TIMEOUT_SECONDS: seconds(10),
  BODY_LIMIT_BYTES: integer(65536, 256, 10 * 1024 * 1024),
  HANDLER_MODULE: optional(z.string().min(1)),
  FORWARD_URL: url(['http:', 'https:']),
  FORWARD_SECRET: optional(z.string()),
  FORWARD_TIMEOUT_SECONDS: seconds(10, 0.01),
  FORWARD_CONCURRENCY: integer(64, 1, 10_000),
  ATTEMPT_HISTORY: withDefault(z.enum(['on', 'off'], { message: 'must be on or off' }), 'on'),
  LOG_LEVEL: withDefault(z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }), 'info'),
  WEBHOOK_SECRETS: commaList,
  RAZORPAY_WEBHOOK_SECRETS: commaList,
  STRIPE_WEBHOOK_SECRETS: commaList,
  STRIPE_WEBHOOK_TOLERANCE_SECONDS: seconds(300, 1),
  API_KEYS: commaList,
});

type Env = z.output<typeof envSchema>;

/** Variables whose values must never be echoed, not even in a configuration error. */
const SECRET_VARIABLES = new Set([
  'WEBHOOK_SECRETS',
  'RAZORPAY_WEBHOOK_SECRETS',
  'STRIPE_WEBHOOK_SECRETS',
  'API_KEYS',
  'DATABASE_URL',
  'MONGO_URL',
  'REDIS_URL',
  'FORWARD_URL',
  'FORWARD_SECRET',
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

/** The variable that holds each provider's webhook secrets; a provider without them accepts nothing. */
export const PROVIDER_SECRETS_VARIABLES: Readonly<Record<Provider, string>> = {
  razorpay: RAZORPAY_SECRETS_VARIABLE,
  stripe: STRIPE_SECRETS_VARIABLE,
};

/**
 * Each provider's endpoint settings, or null when its secrets are not set (the endpoint is then
 * disabled and says which variable enables it).
 */
function providersFrom(env: Env) {
  const razorpay = env.RAZORPAY_WEBHOOK_SECRETS ?? [];
  const stripe = env.STRIPE_WEBHOOK_SECRETS ?? [];
  return {
    razorpay: razorpay.length > 0 ? { secrets: razorpay } : null,
    stripe:
      stripe.length > 0 ? { secrets: stripe, toleranceSeconds: env.STRIPE_WEBHOOK_TOLERANCE_SECONDS } : null,
  };
}

function toConfig(env: Env, role: Role) {
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
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    logLevel: env.LOG_LEVEL,
    webhookSecrets: env.WEBHOOK_SECRETS ?? [],
    providers: providersFrom(env),
    apiKeys: env.API_KEYS ?? [],
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
/** Each provider endpoint's secrets (and Stripe's tolerance), null when disabled. */
export type ProvidersConfig = Config['providers'];
/** The forwarding handler's receiver, secret, timeout and connection cap (when `FORWARD_URL` is set). */
export type ForwardConfig = NonNullable<Config['forward']>;

/**
 * Parses and validates the environment once, at start. Throws {@link ConfigError} with one line
 * naming the first bad variable; secret values are never repeated in the message.
 */
export function loadConfig(env: NodeJS.ProcessEnv, role: Role): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    const raw = env[variable];
    const shown = SECRET_VARIABLES.has(variable) || raw === undefined ? '' : ` (got ${JSON.stringify(raw)})`;
    throw new ConfigError(variable, `${issue.message}${shown}`);
  }
  return toConfig(parsed.data, role);
}
