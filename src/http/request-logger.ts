import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilent, Logger } from 'pino';

type Method = Exclude<LevelWithSilent, 'silent'>;

/**
 * A request's logger that becomes a pino child (with the request id bound) only when something is
 * logged at an enabled level. Fastify makes a child logger for every request; pino's `child` was a
 * measurable share of the webhook path's CPU, for lines that at the default levels are never written.
 */
class LazyRequestLogger implements FastifyBaseLogger {
  readonly #parent: Logger;
  readonly #bindings: Bindings;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: Logger, bindings: Bindings) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  get level(): string {
    return this.#child?.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#real().level = level;
  }

  fatal(...args: unknown[]): void {
    this.#write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.#write('error', args);
  }
  warn(...args: unknown[]): void {
    this.#write('warn', args);
  }
  info(...args: unknown[]): void {
    this.#write('info', args);
  }
  debug(...args: unknown[]): void {
    this.#write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.#write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }

  #real(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings);
    return this.#child;
  }

  #write(level: Method, args: unknown[]): void {
    // Once a child exists (a line was written, or a level was set on it), its level decides.
    const target = this.#child ?? (this.#parent.isLevelEnabled(level) ? this.#real() : undefined);
    if (target) Reflect.apply(target[level], target, args);
  }
}

/**
 * Fastify's `childLoggerFactory` option for a pino logger: request loggers are made lazily (see
 * {@link LazyRequestLogger}). Options Fastify passes for a route-level log level or serializers need
 * a real child at once, and get one.
 */
export const lazyRequestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) => {
  // Fastify passes the logger it was given, a pino logger here (createLogger).
  const parent = logger as Logger;
  return options.level !== undefined || options.serializers !== undefined
    ? parent.child(bindings, options)
    : new LazyRequestLogger(parent, bindings);
};
