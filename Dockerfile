# One image for every role: `node dist/src/main.js all|api|worker` (default `all`).
#   docker build -t webhook-processor .
#   podman build --format docker -t webhook-processor .   # podman's default (OCI) format drops HEALTHCHECK
#   docker run -p 8000:8000 webhook-processor            # API + worker, SQLite, in-process queue
# No `# syntax=` line: BuildKit would pull a frontend image for it, and nothing here needs one, so
# builders without Docker Hub (a mirror, an offline machine) build it with the base image alone.

# ---- dependencies: production packages only, without what the runtime never loads ----
# Node 24 LTS. The service runs on Node 22.14 or later (README, Requirements).
# A stage of its own, cached until package-lock.json changes, so a change of the sources rebuilds
# neither this stage nor the image's node_modules layer.
FROM node:24-bookworm-slim AS dependencies

WORKDIR /app
COPY package.json package-lock.json .npmrc ./

# --ignore-scripts: no dependency needs an install script. better-sqlite3 13 is a Node-API addon
# whose package carries prebuilt binaries (linux-x64 and linux-arm64 among them), so nothing is
# compiled and the image needs no compiler; msgpackr-extract (an optional speed-up of BullMQ's
# msgpackr) ships prebuilt binaries as optional packages.
# Then the files the service never loads are removed (42 of 84 MB): better-sqlite3's binaries for
# other platforms (better-sqlite3 itself names the one it loads here, so the arm64 build keeps the
# arm64 one) and the SQLite and C++ sources it would compile from, and the packages' source maps and
# type declarations. The last command opens a database, so a trim that broke SQLite fails the build.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && addon="$(node -p "require('./node_modules/better-sqlite3/lib/binding.js').getPrebuildPath()")" \
  && { [ -f "$addon" ] || { echo "better-sqlite3 has no prebuilt binary for this platform" >&2; exit 1; }; } \
  && find node_modules/better-sqlite3/prebuilds -type f ! -samefile "$addon" -delete \
  && rm -r node_modules/better-sqlite3/deps node_modules/better-sqlite3/src node_modules/better-sqlite3/binding.gyp \
  && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -delete \
  && node -e "require('better-sqlite3')(':memory:').prepare('select 1').get()"

# ---- build: compile TypeScript ----
FROM node:24-bookworm-slim AS build

WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: the root `prepare` script runs the TypeScript build, and the sources are not
# copied yet.
RUN npm ci --ignore-scripts --no-audit --no-fund

COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# ---- runtime: compiled code and production dependencies only, as a non-root user ----
FROM node:24-bookworm-slim AS runtime

ENV NODE_ENV=production
WORKDIR /app

# Root-owned and read-only for the app; only the SQLite directory (SQLITE_PATH default
# ./data/webhooks.db) is writable by the `node` user the process runs as.
COPY --from=dependencies /app/package.json ./package.json
COPY --from=dependencies /app/node_modules ./node_modules
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
