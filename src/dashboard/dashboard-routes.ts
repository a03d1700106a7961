import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Where `npm run build` puts the dashboard: the page and its stylesheet copied from
 * `src/dashboard/public`, the script compiled from `src/dashboard/client`. Found relative to this
 * module's compiled place (dist/src/dashboard), so it works from an image holding only dist/.
 */
export const DASHBOARD_FILES = fileURLToPath(new URL('../../dashboard/', import.meta.url));

/** How often the page refreshes its counts. */
export const DASHBOARD_REFRESH_SECONDS = 5;

/**
 * Headers of every dashboard response: a strict content security policy (scripts, styles and API
 * calls from this origin only, no inline script, nothing framed), as for /docs.
 */
export const DASHBOARD_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** An onRequest hook setting {@link DASHBOARD_HEADERS}. */
export function setDashboardHeaders(_request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  reply.headers(DASHBOARD_HEADERS);
  done();
}

/** Options of {@link dashboardRoutes}. */
export interface DashboardRoutesOptions {
  /** Whether the API asks for a key: the page then asks the operator for one first. */
  apiKeyRequired: boolean;
  /** The registered providers' names: the options of the page's provider filter. */
  providers: readonly string[];
  /** Where the built files are; default {@link DASHBOARD_FILES}. */
  root?: string;
}

/**
 * `/dashboard`: the operators' page, served by the API itself from files built into dist/ (no other
 * server, no CDN). Not behind API_KEYS: it holds no data, and every call it makes for data is.
 * Only the files present at start are served (no lookup of arbitrary paths on disk).
 */
export function dashboardRoutes(options: DashboardRoutesOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    const root = options.root ?? DASHBOARD_FILES;
    if (!existsSync(`${root}/index.html`)) {
      app.log.warn({ root }, 'the dashboard is not built (npm run build): /dashboard answers 404');
      return;
    }
    await app.register(async (scope) => {
      scope.get('/dashboard', { schema: { hide: true } }, (_request, reply) =>
        reply.redirect('/dashboard/', 301),
      );
      scope.get('/dashboard/config.json', { schema: { hide: true } }, async () => ({
        api_key_required: options.apiKeyRequired,
        refresh_seconds: DASHBOARD_REFRESH_SECONDS,
        providers: options.providers,
      }));
      await scope.register(fastifyStatic, {
        root,
        prefix: '/dashboard/',
        wildcard: false,
        decorateReply: false,
        index: ['index.html'],
        // Revalidate every time (ETag): a new build takes effect at the next load.
        cacheControl: true,
        maxAge: 0,
        schemaHide: true,
      });
    });
  };
}
