# syntax=docker/dockerfile:1
#
# One image for every role: `node dist/src/main.js all|api|worker` (default `all`).
#   docker build -t webhook-processor .
#   docker run -p 8000:8000 webhook-processor            # API + worker, SQLite, in-process queue

# ---- build: compile TypeScript, build the native SQLite addon, drop dev dependencies ----
FROM node:20-bookworm-slim AS build

# better-sqlite3 downloads a prebuilt binary when one matches, and compiles from source otherwise;
# compiling needs these.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./

# --ignore-scripts, because:
# - the root `prepare` script runs the TypeScript build, and the sources are not copied yet;
# - it makes dependency install scripts behave the same with any npm: this image's npm 10 ignores
#   package.json `allowScripts` (npm 11 honours it and allows only better-sqlite3). The one addon
#   that needs its install script, better-sqlite3, is rebuilt explicitly; msgpackr-extract (an
#   optional speed-up of BullMQ's msgpackr) ships prebuilt binaries as optional packages.
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && npm rebuild better-sqlite3

COPY tsconfig.json ./
COPY src ./src
RUN npm run build \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime: compiled code and production dependencies only, as a non-root user ----
FROM node:20-bookworm-slim AS runtime

ENV NODE_ENV=production
WORKDIR /app

# Root-owned and read-only for the app; only the SQLite directory (SQLITE_PATH default
# ./data/webhooks.db) is writable by the `node` user the process runs as.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data

USER node
EXPOSE 8000

# GET / is the health check of the original service. The slim image has no curl: use node's fetch.
# A worker-only container serves no HTTP; docker-compose.yml disables this check for it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/', { signal: AbortSignal.timeout(2500) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node itself is PID 1 (not npm), so SIGTERM reaches the graceful shutdown in main.js.
CMD ["node", "dist/src/main.js", "all"]
